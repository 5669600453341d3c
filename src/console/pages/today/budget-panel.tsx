import { api, dataOf } from '../../api/client.js';
import { useLiveReload } from '../../app/live.js';
import { useLoad } from '../../app/use-load.js';
import { addDays, isoDay, usd } from '../../ui/format.js';
import { Badge, Loaded, Panel } from '../../ui/states.js';

const STATUS = {
  on_track: { tone: 'good', text: 'On track' },
  projected_over: { tone: 'warn', text: 'Projected over budget' },
  over: { tone: 'bad', text: 'Over budget' },
  not_set: { tone: 'neutral', text: 'No budget set' },
} as const;

/** This month's spend against the owner's budget. */
export function BudgetPanel() {
  const today = isoDay();
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/analytics/usage', { params: { query: { from: addDays(today, -6), to: today } } })), [today]);
  useLiveReload(['conversations'], state.reload);
  return (
    <Panel title="Budget this month" id="budget">
      <Loaded state={state}>
        {(usage) => {
          const b = usage.budget;
          const status = STATUS[b.status];
          const share = b.monthlyBudgetUsd ? Math.min(100, (b.spentUsd / b.monthlyBudgetUsd) * 100) : 0;
          return (
            <div>
              <p style="margin:0 0 8px">
                <Badge tone={status.tone}>{status.text}</Badge>
              </p>
              <div class="stat-row">
                <div class="stat">
                  <div class="stat-value">{usd(b.spentUsd)}</div>
                  <div class="stat-label">spent of {b.monthlyBudgetUsd === null ? 'no budget' : usd(b.monthlyBudgetUsd)}</div>
                </div>
                <div class="stat">
                  <div class="stat-value">{usd(b.projectedUsd)}</div>
                  <div class="stat-label">projected by month's end</div>
                </div>
              </div>
              {b.monthlyBudgetUsd !== null && (
                <div class="bar-track" style="margin-top:12px" role="img" aria-label={`${Math.round(share)}% of the budget spent`}>
                  <div class="bar" style={`width:${share}%`} />
                </div>
              )}
            </div>
          );
        }}
      </Loaded>
    </Panel>
  );
}
