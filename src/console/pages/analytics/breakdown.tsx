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
          <table>
            <caption class="muted" style="text-align:left">
              Conversations started per hour of the day ({WEEKDAYS.join(', ')} together)
            </caption>
            <tbody>
              {hours.map((h) => (
                <tr key={h}>
                  <th scope="row" class="nowrap">
                    {String(h).padStart(2, '0')}:00
                  </th>
                  <td style="width:60%">
                    <div class="bar-track">
                      <div class="bar" style={`width:${((byHour.get(h) ?? 0) / most) * 100}%`} />
                    </div>
                  </td>
                  <td class="num">{byHour.get(h)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
