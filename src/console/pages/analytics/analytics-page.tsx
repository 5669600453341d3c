import { api, dataOf } from '../../api/client.js';
import { navigate, useLocation } from '../../app/router.js';
import { useLoad } from '../../app/use-load.js';
import { addDays, isoDay, outcome, usd } from '../../ui/format.js';
import { Loaded, Panel } from '../../ui/states.js';
import { BudgetPanel } from '../today/budget-panel.js';
import { Breakdown } from './breakdown.js';
import { Digest } from './digest.js';
import { LineChart } from './line-chart.js';

const RANGES = [7, 30, 90] as const;
const ms = (v: number) => `${Math.round(v)} ms`;

/** The owner's numbers: per-day charts, outcomes, busiest hours, the budget and last week's digest. */
export function AnalyticsPage() {
  const location = useLocation();
  const days = Number(location.query.get('days')) || 30;
  const to = isoDay();
  const from = addDays(to, -(days - 1));
  const daily = useLoad(async () => dataOf(await api.GET('/api/v1/analytics/daily', { params: { query: { from, to } } })).data, [from, to]);
  const breakdown = useLoad(async () => dataOf(await api.GET('/api/v1/analytics/breakdown', { params: { query: { from, to } } })), [from, to]);
  const usage = useLoad(async () => dataOf(await api.GET('/api/v1/analytics/usage', { params: { query: { from, to } } })), [from, to]);

  return (
    <>
      <div class="filters" style="align-items:center">
        <div class="segmented" role="group" aria-label="Period">
          {RANGES.map((n) => (
            <button key={n} type="button" aria-pressed={days === n} onClick={() => navigate(`/analytics?days=${n}`, { replace: true })}>
              {n} days
            </button>
          ))}
        </div>
      </div>
      <Panel title="In this period" id="period-totals">
        <Loaded state={usage}>
          {(u) => (
            <div class="stat-row">
              {[
                ['Calls', String(u.totals.calls ?? 0)],
                ['Text threads', String(u.totals.textThreads ?? 0)],
                ['Bookings', String(u.totals.bookings ?? 0)],
                ['Cost', usd(u.cost.totalUsd)],
                ['Cost per booking', usd(u.costPerBookingUsd)],
                ['Satisfaction', u.totals.averageSatisfaction ? `${u.totals.averageSatisfaction} / 5` : '—'],
              ].map(([label, value]) => (
                <div class="stat" key={label}>
                  <div class="stat-value">{value}</div>
                  <div class="stat-label">{label}</div>
                </div>
              ))}
            </div>
          )}
        </Loaded>
      </Panel>
      <Loaded state={daily} empty={(rows) => rows.length === 0} emptyText="No conversations in this period yet.">
        {(rows) => {
          const x = rows.map((r) => r.day);
          return (
            <div class="grid grid-2" style="margin-top:16px">
              <Panel title="Calls, texts and bookings" id="chart-volume">
                <LineChart
                  title="Calls, texts and bookings"
                  days={x}
                  series={[
                    { label: 'Calls', values: rows.map((r) => r.calls), color: '#1c5a86' },
                    { label: 'Text threads', values: rows.map((r) => r.texts), color: '#7a4fa0' },
                    { label: 'Bookings', values: rows.map((r) => r.bookings), color: '#1d6b3a' },
                  ]}
                />
              </Panel>
              <Panel title="Conversion (bookings per call)" id="chart-conversion">
                <LineChart title="Conversion" days={x} series={[{ label: 'Conversion', values: rows.map((r) => r.conversionRate), color: '#1d6b3a', format: (v) => `${Math.round(v * 100)}%` }]} />
              </Panel>
              <Panel title="Cost and cost per booking" id="chart-cost">
                <LineChart
                  title="Cost"
                  days={x}
                  series={[
                    { label: 'Cost', values: rows.map((r) => r.costUsd), color: '#8a4b00', format: (v) => usd(v) },
                    { label: 'Per booking', values: rows.map((r) => (r.bookings > 0 ? r.costUsd / r.bookings : null)), color: '#a32020', format: (v) => usd(v) },
                  ]}
                />
              </Panel>
              <Panel title="Satisfaction" id="chart-satisfaction">
                <LineChart title="Satisfaction" days={x} series={[{ label: 'Average (1–5)', values: rows.map((r) => r.averageSatisfaction), color: '#1c5a86', format: (v) => v.toFixed(1) }]} />
              </Panel>
              <Panel title="Reply and greeting latency" id="chart-latency">
                <LineChart
                  title="Reply and greeting latency"
                  days={x}
                  series={[
                    { label: 'Reply, median', values: rows.map((r) => r.medianReplyLatencyMs), color: '#1c5a86', format: ms },
                    { label: 'Reply, 95th percentile', values: rows.map((r) => r.p95ReplyLatencyMs), color: '#1c5a86', dash: [6, 4], format: ms },
                    { label: 'Greeting, median', values: rows.map((r) => r.medianGreetingLatencyMs), color: '#8a4b00', format: ms },
                    { label: 'Greeting, 95th percentile', values: rows.map((r) => r.p95GreetingLatencyMs), color: '#8a4b00', dash: [6, 4], format: ms },
                  ]}
                />
              </Panel>
              <BudgetPanel />
            </div>
          );
        }}
      </Loaded>
      <div class="grid grid-2" style="margin-top:16px">
        <Loaded state={breakdown}>{(b) => <Breakdown breakdown={b} label={outcome} />}</Loaded>
      </div>
      <div style="margin-top:16px">
        <Digest />
      </div>
    </>
  );
}
