import { Panel } from '../../ui/states.js';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface Breakdown {
  outcomes: { outcome: string; count: number }[];
  busiestHours: { weekday: number; hour: number; count: number }[];
}

/** Outcomes as bars, and the busiest hours as a weekday × hour table of counts. */
export function Breakdown({ breakdown, label }: { breakdown: Breakdown; label: (outcome: string) => string }) {
  const total = breakdown.outcomes.reduce((n, o) => n + o.count, 0);
  const byHour = new Map<number, number>();
  for (const cell of breakdown.busiestHours) byHour.set(cell.hour, (byHour.get(cell.hour) ?? 0) + cell.count);
  const hours = [...byHour.keys()].sort((a, b) => a - b);
  const most = Math.max(1, ...byHour.values());
  const busiest = [...byHour].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  return (
    <>
      <Panel title="Outcomes" id="outcomes">
        {total === 0 ? (
          <p class="state">No conversations in this period.</p>
        ) : (
          <table>
            <tbody>
              {breakdown.outcomes.map((o) => (
                <tr key={o.outcome}>
                  <th scope="row">{label(o.outcome === 'not_analysed' ? '' : o.outcome)}</th>
                  <td style="width:45%">
                    <div class="bar-track">
                      <div class="bar" style={`width:${(o.count / total) * 100}%`} />
                    </div>
                  </td>
                  <td class="num">{o.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Busiest hours" id="busiest-hours">
        {hours.length === 0 ? (
          <p class="state">No conversations in this period.</p>
        ) : (
          <>
            <div class="hour-bars" role="img" aria-label={`Conversations started per hour of the day; busiest at ${String(busiest).padStart(2, '0')}:00`}>
              {Array.from({ length: 24 }, (_, h) => (
                <div class="hour-bar" key={h} title={`${String(h).padStart(2, '0')}:00 — ${byHour.get(h) ?? 0}`}>
                  <div class="bar" style={`height:${((byHour.get(h) ?? 0) / most) * 100}%`} />
                </div>
              ))}
            </div>
            <div class="hour-axis" aria-hidden="true">
              {[0, 6, 12, 18, 23].map((h) => (
                <span key={h}>{String(h).padStart(2, '0')}:00</span>
              ))}
            </div>
            <p class="muted" style="margin-bottom:0">Conversations started per hour of the day, spa time ({WEEKDAYS.join(', ')} together).</p>
          </>
        )}
      </Panel>
    </>
  );
}
