import { useState } from 'preact/hooks';
import { api, ApiError, dataOf } from '../../api/client.js';
import type { AppointmentRow } from '../../api/types.js';
import { useLiveReload } from '../../app/live.js';
import { navigate, useLocation } from '../../app/router.js';
import { useLoad } from '../../app/use-load.js';
import { addDays, clock, day, isoDay, phone, time } from '../../ui/format.js';
import { ConfirmStep, useFocusWhen } from '../../ui/confirm-step.js';
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
      {a.cancellable && <Changes a={a} who={who} onChanged={onChanged} />}
    </div>
  );
}

/** Move… and Cancel… on a booking still ahead; one of them open at a time, in place of both buttons. */
function Changes({ a, who, onChanged }: { a: AppointmentRow; who: string; onChanged: () => void }) {
  const [open, setOpen] = useState<'move' | 'cancel'>();
  // What a move did, said where the step was; it takes the keyboard the step had.
  const [moved, setMoved] = useState<string>();
  const said = useFocusWhen<HTMLParagraphElement>(moved);
  // "Keep it" hands the keyboard back to the button that opened the step.
  const [back, setBack] = useState<{ to: 'move' | 'cancel' }>();
  const moveButton = useFocusWhen<HTMLButtonElement>(back?.to === 'move' && back);
  const cancelButton = useFocusWhen<HTMLButtonElement>(back?.to === 'cancel' && back);
  const what = `${a.service} at ${time(a.startsAt)} on ${day(isoDay(new Date(a.startsAt)))} for ${who}`;
  const close = () => {
    if (open) setBack({ to: open });
    setOpen(undefined);
  };
  if (open === 'move') {
    const onMoved = (to: AppointmentRow) => {
      setMoved(`Moved to ${day(isoDay(new Date(to.startsAt)))}, ${time(to.startsAt)}.`);
      setOpen(undefined);
      onChanged();
    };
    return <MoveAppointment a={a} who={who} what={what} onMoved={onMoved} onClose={close} />;
  }
  if (open === 'cancel') return <CancelAppointment a={a} who={who} what={what} onCancelled={onChanged} onClose={close} />;
  return (
    <div class="row-actions" style="margin-top:6px">
      {moved && (
        <p role="status" tabIndex={-1} ref={said} style="flex:1 1 100%;margin:0;font-size:13.5px">
          {moved}
        </p>
      )}
      <button type="button" class="button button-small" ref={moveButton} onClick={() => setOpen('move')}>
        Move… <span class="skip-link">{what}</span>
      </button>
      <button type="button" class="button button-small" ref={cancelButton} onClick={() => setOpen('cancel')}>
        Cancel… <span class="skip-link">{what}</span>
      </button>
    </div>
  );
}

/**
 * Moving for a patient who rang the desk: a day and a time at the spa (the current ones to start
 * from), whether to text the patient the new time; the server checks it as the receptionist's
 * reschedule does. A time already taken comes back with the nearest free ones, each a button that
 * picks it.
 */
function MoveAppointment(props: { a: AppointmentRow; who: string; what: string; onMoved: (to: AppointmentRow) => void; onClose: () => void }) {
  const { a, who, what } = props;
  const [date, setDate] = useState(isoDay(new Date(a.startsAt)));
  const [at, setAt] = useState(clock(a.startsAt));
  const [textPatient, setTextPatient] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  // The day field takes the keyboard when the step opens, and again after a suggested time is picked.
  const [picks, setPicks] = useState(1);
  const dateField = useFocusWhen<HTMLInputElement>(picks);
  const alternatives = error instanceof ApiError && Array.isArray(error.details.alternatives) ? (error.details.alternatives as string[]) : [];

  async function move() {
    if (!date || !at) return setError(new Error('Choose a day and a time.'));
    setBusy(true);
    setError(undefined);
    try {
      const to = dataOf(await api.POST('/api/v1/appointments/{id}/reschedule', { params: { path: { id: a.id } }, body: { startsAt: `${date}T${at}`, textPatient } }));
      props.onMoved(to);
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  }

  function pick(start: string) {
    setDate(isoDay(new Date(start)));
    setAt(clock(start));
    setError(undefined);
    setPicks((n) => n + 1);
  }

  return (
    <ConfirmStep
      label={`Move ${what}`}
      question={`Move ${what} to:`}
      confirm="Move"
      busyText="Moving…"
      busy={busy}
      danger={false}
      focusConfirm={false}
      onConfirm={() => void move()}
      onCancel={props.onClose}
      cancelText="Keep it"
      style="margin-top:6px"
    >
      <label class="field">
        Day
        <input type="date" ref={dateField} value={date} required onInput={(e) => setDate(e.currentTarget.value)} />
      </label>
      <label class="field">
        Time
        <input type="time" value={at} required onInput={(e) => setAt(e.currentTarget.value)} />
      </label>
      <label class="check" style="flex:1 1 100%;font-size:13.5px">
        <input type="checkbox" checked={textPatient} onChange={(e) => setTextPatient(e.currentTarget.checked)} />
        Text {who} the new time
      </label>
      {error && <ErrorNote error={error} />}
      {alternatives.length > 0 && (
        <div class="row-actions" role="group" aria-label="Free times nearby" style="flex:1 1 100%">
          {alternatives.map((start) => (
            <button key={start} type="button" class="button button-small" onClick={() => pick(start)}>
              {day(isoDay(new Date(start)))}, {time(start)}
            </button>
          ))}
        </div>
      )}
    </ConfirmStep>
  );
}

/**
 * Cancelling for a patient who rang the desk: a second step says what is cancelled and offers to
 * text the patient (on by default; off when the desk told them already). The calendar event and
 * the reminder go as when the receptionist cancels.
 */
function CancelAppointment(props: { a: AppointmentRow; who: string; what: string; onCancelled: () => void; onClose: () => void }) {
  const { a, who, what, onCancelled } = props;
  const [textPatient, setTextPatient] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

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

  return (
    <ConfirmStep
      label={`Confirm cancelling ${what}`}
      question={`Cancel ${what}?`}
      confirm="Cancel appointment"
      busyText="Cancelling…"
      busy={busy}
      onConfirm={() => void cancel()}
      onCancel={props.onClose}
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
