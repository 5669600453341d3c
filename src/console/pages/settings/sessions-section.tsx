import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { loadMe, type Me } from '../../app/session.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime } from '../../ui/format.js';
import { Badge, ErrorNote, Loaded, Panel } from '../../ui/states.js';
import { deviceOf } from './device.js';

/**
 * The signed-in person's own sessions: device, where from, since when, last use, this one marked.
 * The API ends a person's sessions all at once (DELETE /people/{id}/sessions), not one by one, so
 * the action here is "sign out everywhere", this browser included.
 */
export function SessionsSection({ me }: { me: Me }) {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/me/sessions')).data, []);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error>();
  const personId = me.person?.id;

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
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Panel>
  );
}
