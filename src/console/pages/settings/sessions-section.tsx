import { useState } from 'preact/hooks';
import { api, dataOf, okOf } from '../../api/client.js';
import { loadMe, type Me } from '../../app/session.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime } from '../../ui/format.js';
import { useFocusWhen } from '../../ui/confirm-step.js';
import { Badge, ErrorNote, Loaded, Panel } from '../../ui/states.js';
import { deviceOf } from './device.js';

/**
 * The signed-in person's own sessions: device, where from, since when, last use, this one marked.
 * Any other one can be ended on its own (a lost phone, a shared computer: DELETE
 * /me/sessions/{id}); "sign out everywhere" ends them all, this browser included.
 */
export function SessionsSection({ me }: { me: Me }) {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/me/sessions')).data, []);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error>();
  const personId = me.person?.id;
  const [ending, setEnding] = useState<string>();

  async function endSession(id: string, device: string) {
    setEnding(id);
    setError(undefined);
    try {
      okOf(await api.DELETE('/api/v1/me/sessions/{id}', { params: { path: { id } } }));
      state.reload();
      setEnded(`Signed out of ${device}.`);
    } catch (e) {
      setError(e as Error);
    }
    setEnding(undefined);
  }
  const [ended, setEnded] = useState<string>();
  // The row and its button go: the keyboard goes to the line saying what happened.
  const endedNote = useFocusWhen<HTMLParagraphElement>(ended);

  async function signOutEverywhere() {
    if (!personId) return;
    setConfirming(false);
    setError(undefined);
    try {
      dataOf(await api.DELETE('/api/v1/people/{id}/sessions', { params: { path: { id: personId } } }));
      // This session ended too: finding that out sends the console to the sign-in page.
      await loadMe();
    } catch (e) {
      setError(e as Error);
    }
  }

  const actions =
    personId &&
    (confirming ? (
      <div class="row-actions confirm" role="group" aria-label="Confirm signing out everywhere">
        <span>Sign out on every device, this one included?</span>
        <button type="button" class="button button-small button-danger" onClick={() => void signOutEverywhere()}>
          Sign out everywhere
        </button>
        <button type="button" class="button button-small" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    ) : (
      <button type="button" class="button button-small" onClick={() => setConfirming(true)}>
        Sign out everywhere…
      </button>
    ));

  return (
    <Panel title="Your sessions" id="my-sessions" actions={actions}>
      {error && <ErrorNote error={error} />}
      {ended && (
        <p class="form-saved" role="status" tabIndex={-1} ref={endedNote}>
          {ended}
        </p>
      )}
      <Loaded state={state} what="Loading your sessions" empty={(rows) => rows.length === 0} emptyText="No sessions in force.">
        {(rows) => (
          <ul class="list">
            {rows.map((s) => (
              <li key={s.id}>
                <div class="list-main">
                  <div class="list-title">
                    {deviceOf(s.userAgent)} {s.current && <Badge tone="good">This browser</Badge>}
                  </div>
                  <div class="muted">
                    Signed in {dayTime(s.createdAt)}
                    {s.address ? ` from ${s.address}` : ''}
                  </div>
                </div>
                <div class="muted nowrap">Last used {dayTime(s.lastUsedAt)}</div>
                {!s.current && (
                  <button type="button" class="button button-small" disabled={ending === s.id} onClick={() => void endSession(s.id, deviceOf(s.userAgent))}>
                    Sign out <span class="skip-link">{deviceOf(s.userAgent)}, last used {dayTime(s.lastUsedAt)}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Panel>
  );
}
