import { api, dataOf } from '../../api/client.js';
import type { AppointmentRow } from '../../api/types.js';
import { useLiveReload } from '../../app/live.js';
import { navigate, useLocation } from '../../app/router.js';
import { useLoad } from '../../app/use-load.js';
import { addDays, day, isoDay, phone, time } from '../../ui/format.js';
import { Loaded } from '../../ui/states.js';

/** Monday of the week of `isoDate`. */
function monday(isoDate: string): string {
  const weekday = (new Date(`${isoDate}T12:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(isoDate, -weekday);
}

/** The book by provider: one day in columns per provider, or a week in columns per day. */
export function AppointmentsPage() {
  const location = useLocation();
  const view = location.query.get('view') === 'week' ? 'week' : 'day';
  const date = location.query.get('date') ?? isoDay();
  const from = view === 'week' ? monday(date) : date;
  const to = view === 'week' ? addDays(from, 6) : date;
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/appointments', { params: { query: { from, to } } })).data, [from, to]);
  useLiveReload(['appointments'], state.reload);
  const go = (next: { view?: string; date?: string }) => navigate(`/appointments?view=${next.view ?? view}&date=${next.date ?? date}`, { replace: true });
  const step = view === 'week' ? 7 : 1;

  return (
    <>
      <div class="filters" style="align-items:center">
        <div class="segmented" role="group" aria-label="View">
          <button type="button" aria-pressed={view === 'day'} onClick={() => go({ view: 'day' })}>
            Day
          </button>
          <button type="button" aria-pressed={view === 'week'} onClick={() => go({ view: 'week' })}>
            Week
          </button>
        </div>
        <button type="button" class="button" onClick={() => go({ date: addDays(date, -step) })} aria-label={`Previous ${view}`}>
          ←
        </button>
        <button type="button" class="button" onClick={() => go({ date: isoDay() })}>
          Today
        </button>
        <button type="button" class="button" onClick={() => go({ date: addDays(date, step) })} aria-label={`Next ${view}`}>
          →
        </button>
        <strong aria-live="polite">{view === 'week' ? `${day(from)} – ${day(to)}` : day(date)}</strong>
      </div>
      <section class="panel" aria-label="Appointments">
        <Loaded state={state} empty={(rows) => rows.length === 0} emptyText={`Nothing booked ${view === 'week' ? 'this week' : 'this day'}.`}>
          {(rows) => (view === 'week' ? <Week rows={rows} from={from} /> : <Day rows={rows} />)}
        </Loaded>
      </section>
    </>
  );
}

function Card({ a, showProvider }: { a: AppointmentRow; showProvider?: boolean }) {
  return (
    <div class={`appointment ${a.status === 'cancelled' ? 'appointment-cancelled' : ''}`}>
      <div>
        <strong>{time(a.startsAt)}</strong> {a.service}
      </div>
      <div class="muted">
        <a href={`/console/patients/${a.customerId}`}>{a.customerName ?? phone(a.customerPhone)}</a>
        {showProvider && ` · ${a.provider}`}
        {a.status !== 'confirmed' && ` · ${a.status}`}
      </div>
    </div>
  );
}

function Day({ rows }: { rows: AppointmentRow[] }) {
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  return (
    <div class="day-columns">
      {providers.map((p) => (
        <section key={p} aria-label={p}>
          <h2 style="font-size:15px;margin-bottom:8px">{p}</h2>
          {rows.filter((r) => r.provider === p).map((a) => <Card key={a.id} a={a} />)}
        </section>
      ))}
    </div>
  );
}

function Week({ rows, from }: { rows: AppointmentRow[]; from: string }) {
  const days = Array.from({ length: 7 }, (_, i) => addDays(from, i));
  return (
    <div class="day-columns">
      {days.map((d) => {
        const today = rows.filter((r) => isoDay(new Date(r.startsAt)) === d);
        return (
          <section key={d} aria-label={day(d)}>
            <h2 style="font-size:15px;margin-bottom:8px">{day(d)}</h2>
            {today.length === 0 ? <p class="muted">—</p> : today.map((a) => <Card key={a.id} a={a} showProvider />)}
          </section>
        );
      })}
    </div>
  );
}
