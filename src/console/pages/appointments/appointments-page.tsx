import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { AppointmentRow } from '../../api/types.js';
import { useLiveReload } from '../../app/live.js';
import { navigate, useLocation } from '../../app/router.js';
import { useLoad } from '../../app/use-load.js';
import { addDays, day, isoDay, phone, time } from '../../ui/format.js';
import { ConfirmStep } from '../../ui/confirm-step.js';
import { ErrorNote, Loaded } from '../../ui/states.js';

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
          {(rows) => (view === 'week' ? <Week rows={rows} from={from} onChanged={state.reload} /> : <Day rows={rows} onChanged={state.reload} />)}
        </Loaded>
      </section>
    </>
  );
}

function Card({ a, showProvider, onChanged }: { a: AppointmentRow; showProvider?: boolean; onChanged: () => void }) {
  const who = a.customerName ?? phone(a.customerPhone);
  return (
    <div class={`appointment ${a.status === 'cancelled' ? 'appointment-cancelled' : ''}`}>
      <div>
        <strong>{time(a.startsAt)}</strong> {a.service}
      </div>
      <div class="muted">
        <a href={`/console/patients/${a.customerId}`}>{who}</a>
        {showProvider && ` · ${a.provider}`}
        {a.status !== 'confirmed' && ` · ${a.status}`}
      </div>
      {a.cancellable && <CancelAppointment a={a} who={who} onCancelled={onChanged} />}
    </div>
  );
}

/**
 * Cancelling for a patient who rang the desk: a second step says what is cancelled and offers to
 * text the patient (on by default; off when the desk told them already). The calendar event and
 * the reminder go as when the receptionist cancels.
 */
function CancelAppointment({ a, who, onCancelled }: { a: AppointmentRow; who: string; onCancelled: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [textPatient, setTextPatient] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const what = `${a.service} at ${time(a.startsAt)} on ${day(isoDay(new Date(a.startsAt)))} for ${who}`;

  async function cancel() {
    setBusy(true);
    setError(undefined);
    try {
      dataOf(await api.POST('/api/v1/appointments/{id}/cancel', { params: { path: { id: a.id } }, body: { textPatient } }));
      onCancelled();
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  }

  if (!confirming)
    return (
      <button type="button" class="button button-small" style="margin-top:6px" onClick={() => setConfirming(true)}>
        Cancel… <span class="skip-link">{what}</span>
      </button>
    );
  return (
    <ConfirmStep
      label={`Confirm cancelling ${what}`}
      question={`Cancel ${what}?`}
      confirm="Cancel appointment"
      busyText="Cancelling…"
      busy={busy}
      onConfirm={() => void cancel()}
      onCancel={() => setConfirming(false)}
      cancelText="Keep it"
      style="margin-top:6px"
    >
      <label class="check" style="flex:1 1 100%;font-size:13.5px">
        <input type="checkbox" checked={textPatient} onChange={(e) => setTextPatient(e.currentTarget.checked)} />
        Text {who} that it is cancelled
      </label>
      {error && <ErrorNote error={error} />}
    </ConfirmStep>
  );
}

function Day({ rows, onChanged }: { rows: AppointmentRow[]; onChanged: () => void }) {
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  return (
    <div class="day-columns">
      {providers.map((p) => (
        <section key={p} aria-label={p}>
          <h2 style="font-size:15px;margin-bottom:8px">{p}</h2>
          {rows.filter((r) => r.provider === p).map((a) => <Card key={a.id} a={a} onChanged={onChanged} />)}
        </section>
      ))}
    </div>
  );
}

function Week({ rows, from, onChanged }: { rows: AppointmentRow[]; from: string; onChanged: () => void }) {
  const days = Array.from({ length: 7 }, (_, i) => addDays(from, i));
  return (
    <div class="day-columns">
      {days.map((d) => {
        const today = rows.filter((r) => isoDay(new Date(r.startsAt)) === d);
        return (
          <section key={d} aria-label={day(d)}>
            <h2 style="font-size:15px;margin-bottom:8px">{day(d)}</h2>
            {today.length === 0 ? <p class="muted">—</p> : today.map((a) => <Card key={a.id} a={a} showProvider onChanged={onChanged} />)}
          </section>
        );
      })}
    </div>
  );
}
