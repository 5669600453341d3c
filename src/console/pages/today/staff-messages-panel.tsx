import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { StaffMessage } from '../../api/types.js';
import type { Loaded as LoadState } from '../../app/use-load.js';
import { dayTime, phone } from '../../ui/format.js';
import { ErrorNote, Loaded, Panel } from '../../ui/states.js';

/** Callback requests the receptionist took; marking one handled takes it off everyone's list. */
export function StaffMessagesPanel({ state }: { state: LoadState<StaffMessage[]> }) {
  return (
    <Panel title="Messages to call back" id="staff-messages">
      <Loaded state={state} empty={(rows) => rows.length === 0} emptyText="No messages waiting. Callback requests the receptionist takes appear here.">
        {(rows) => (
          <ul class="list">
            {rows.map((m) => (
              <StaffMessageItem key={m.id} message={m} onHandled={state.reload} />
            ))}
          </ul>
        )}
      </Loaded>
    </Panel>
  );
}

export function StaffMessageItem({ message: m, onHandled }: { message: StaffMessage; onHandled: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  async function markHandled() {
    setBusy(true);
    setError(undefined);
    try {
      dataOf(await api.POST('/api/v1/messages-for-staff/{id}/handled', { params: { path: { id: m.id } } }));
      onHandled();
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  }
  return (
    <li>
      <div class="list-main">
        <div class="list-title">
          {m.callerName} <span class="muted nowrap">{phone(m.callbackNumber)}</span>
        </div>
        <div>{m.reason}</div>
        <div class="muted">
          {dayTime(m.createdAt)}
          {m.conversationId && (
            <>
              {' · '}
              <a href={`/console/conversations/${m.conversationId}`}>conversation</a>
            </>
          )}
        </div>
        {error && <ErrorNote error={error} />}
      </div>
      <button type="button" class="button button-small" onClick={markHandled} disabled={busy} aria-label={`Mark the message from ${m.callerName} handled`}>
        {busy ? 'Saving…' : 'Mark handled'}
      </button>
    </li>
  );
}
