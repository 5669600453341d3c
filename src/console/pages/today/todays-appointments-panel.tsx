import type { AppointmentRow } from '../../api/types.js';
import type { Loaded as LoadState } from '../../app/use-load.js';
import { phone, time } from '../../ui/format.js';
import { Badge, Loaded, Panel } from '../../ui/states.js';

/** Today's book, one list per provider. */
export function TodaysAppointmentsPanel({ state }: { state: LoadState<AppointmentRow[]> }) {
  return (
    <Panel title="Today's appointments" id="todays-appointments" actions={<a href="/console/appointments">Week view</a>}>
      <Loaded state={state} empty={(rows) => rows.length === 0} emptyText="Nothing booked for today.">
        {(rows) => {
          const byProvider = new Map<string, AppointmentRow[]>();
          for (const a of rows) byProvider.set(a.provider, [...(byProvider.get(a.provider) ?? []), a]);
          return (
            <div>
              {[...byProvider].map(([provider, list]) => (
                <section key={provider} aria-label={provider}>
                  <h3 class="muted" style="font-size:14px;margin:8px 0 4px">
                    {provider}
                  </h3>
                  <ul class="list">
                    {list.map((a) => (
                      <li key={a.id}>
                        <div class="list-main">
                          <div class="list-title">
                            <span class="nowrap">{time(a.startsAt)}</span> · {a.service}
                          </div>
                          <div class="muted">
                            <a href={`/console/patients/${a.customerId}`}>{a.customerName ?? phone(a.customerPhone)}</a>
                          </div>
                        </div>
                        {a.status !== 'confirmed' && <Badge tone={a.status === 'cancelled' ? 'bad' : 'neutral'}>{a.status}</Badge>}
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
            </div>
          );
        }}
      </Loaded>
    </Panel>
  );
}
