import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { CustomerTimeline } from '../../api/types.js';
import { useLiveReload } from '../../app/live.js';
import { useMe } from '../../app/session.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime, outcome, phone } from '../../ui/format.js';
import { ConfirmStep, useFocusWhen } from '../../ui/confirm-step.js';
import { Badge, ErrorNote, Loaded, Panel } from '../../ui/states.js';

type Entry = { at: string; key: string; title: string; detail: string; href?: string; badge?: string };

/** Calls, texts and appointments on one timeline, newest first. */
function entries(t: CustomerTimeline): Entry[] {
  return [
    ...t.conversations.map((c) => ({
      at: c.startedAt,
      key: `c${c.id}`,
      title: c.channel === 'voice' ? 'Call' : 'Text thread',
      detail: c.summary ?? outcome(c.outcome),
      href: `/console/conversations/${c.id}`,
    })),
    ...[...t.upcomingAppointments, ...t.pastAppointments].map((a) => ({
      at: a.startsAt,
      key: `a${a.id}`,
      title: `Appointment: ${a.service}`,
      detail: `with ${a.provider}`,
      badge: a.status,
    })),
  ].sort((a, b) => b.at.localeCompare(a.at));
}

export function PatientPage({ id }: { id: string }) {
  const me = useMe();
  // What an erasure just did, said once the page shows the patient as erased.
  const [erasure, setErasure] = useState<string>();
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/customers/{id}', { params: { path: { id } } })), [id]);
  useLiveReload(['conversations', 'appointments'], state.reload);
  return (
    <Loaded state={state} what="Loading the patient">
      {(t) => (
        <>
          <p class="muted" style="margin-top:-8px">
            <a href="/console/patients">← Patients</a>
          </p>
          <div class="layout-detail">
            <Panel title={t.customer.erasedAt ? 'Erased patient' : (t.customer.name ?? phone(t.customer.phone))} id="patient-timeline">
              <ul class="list" aria-label="Timeline">
                {entries(t).map((e) => (
                  <li key={e.key}>
                    <div class="list-main">
                      <div class="list-title">{e.href ? <a href={e.href}>{e.title}</a> : e.title}</div>
                      <div class="muted">{e.detail}</div>
                    </div>
                    <div class="nowrap">
                      {e.badge && <Badge tone={e.badge === 'confirmed' ? 'good' : 'neutral'}>{e.badge}</Badge>} {dayTime(e.at)}
                    </div>
                  </li>
                ))}
                {entries(t).length === 0 && <li class="muted">No calls, texts or appointments yet.</li>}
              </ul>
            </Panel>
            <div>
              {t.customer.erasedAt ? <ErasedNote at={t.customer.erasedAt} just={erasure} /> : <PatientDetails timeline={t} onSaved={state.reload} />}
              {!t.customer.erasedAt && me?.role === 'owner' && (
                <ErasePatient
                  timeline={t}
                  onErased={(what) => {
                    setErasure(what);
                    state.reload();
                  }}
                />
              )}
            </div>
          </div>
        </>
      )}
    </Loaded>
  );
}

function PatientDetails({ timeline: t, onSaved }: { timeline: CustomerTimeline; onSaved: () => void }) {
  const c = t.customer;
  const [error, setError] = useState<Error>();
  const [saved, setSaved] = useState(false);
  async function save(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim() || null;
    setError(undefined);
    setSaved(false);
    try {
      dataOf(await api.PATCH('/api/v1/customers/{id}', { params: { path: { id: c.id } }, body: { name: value('name'), email: value('email'), notes: value('notes') } }));
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <Panel title="Details" id="patient-details">
      <form onSubmit={save} style="display:flex;flex-direction:column;gap:12px">
        <p style="margin:0">
          <strong>{phone(c.phone)}</strong>
          {c.smsOptedOutAt && (
            <>
              {' '}
              <Badge tone="warn">texts stopped</Badge>
            </>
          )}
        </p>
        <label class="field">
          <span>Name</span>
          <input name="name" defaultValue={c.name ?? ''} maxLength={100} />
        </label>
        <label class="field">
          <span>Email</span>
          <input name="email" type="email" defaultValue={c.email ?? ''} maxLength={200} />
        </label>
        <label class="field">
          <span>Notes</span>
          <textarea name="notes" defaultValue={c.notes ?? ''} maxLength={2000} />
        </label>
        {error && <ErrorNote error={error} />}
        <div class="form-actions" style="margin-top:0">
          <button type="submit" class="button button-primary">
            Save details
          </button>
          {saved && (
            <span class="form-saved" role="status">
              Saved.
            </span>
          )}
        </div>
      </form>
    </Panel>
  );
}

function ErasedNote({ at, just }: { at: string; just: string | undefined }) {
  // Right after the erasure the keyboard lands on what it did (the buttons that had it are gone).
  const said = useFocusWhen<HTMLParagraphElement>(just);
  return (
    <Panel title="Erased" id="patient-details">
      {just && (
        <p class="form-saved" role="status" tabIndex={-1} ref={said}>
          {just}
        </p>
      )}
      <p style="margin-top:0">
        Erased at their request on {dayTime(at)}: their name, number, email, notes, call recordings, transcripts and texts are gone.
      </p>
      <p class="muted" style="margin-bottom:0">
        Their appointments and the calls' costs and outcomes are kept, without anything that says who they were.
      </p>
    </Panel>
  );
}

/**
 * An owner erases a patient who asked (POST /customers/{id}/erase), after a second click that
 * says what goes and that it cannot be undone. The answer says how much went.
 */
function ErasePatient({ timeline: t, onErased }: { timeline: CustomerTimeline; onErased: (what: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const who = t.customer.name ?? phone(t.customer.phone);

  async function erase() {
    setBusy(true);
    setError(undefined);
    try {
      const result = dataOf(await api.POST('/api/v1/customers/{id}/erase', { params: { path: { id: t.customer.id } } }));
      onErased(
        `Erased: ${result.conversations} conversation${result.conversations === 1 ? '' : 's'} emptied, ${result.recordings} recording${result.recordings === 1 ? '' : 's'} deleted, ${result.appointmentsKept} appointment${result.appointmentsKept === 1 ? '' : 's'} kept without personal data.`,
      );
    } catch (e) {
      setError(e as Error);
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <Panel title="Erase on request" id="patient-erase">
      <p class="muted" style="margin-top:0">
        When a patient asks to be forgotten: deletes their details, call recordings, transcripts and texts. Appointments stay, without their name.
      </p>
      {error && <ErrorNote error={error} />}
      {confirming ? (
        <ConfirmStep
          label={`Confirm erasing ${who}`}
          question={`Erase everything about ${who}? This cannot be undone.`}
          confirm="Erase for good"
          busyText="Erasing…"
          busy={busy}
          onConfirm={() => void erase()}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <button type="button" class="button button-small button-danger" onClick={() => setConfirming(true)}>
          Erase this patient…
        </button>
      )}
    </Panel>
  );
}
