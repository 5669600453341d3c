import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { ErrorNote } from '../../ui/states.js';

/** Staff text into a thread (the receptionist then stays quiet there) and hand it back. */
export function TextReply({ id, paused, onSent }: { id: string; paused: boolean; onSent: () => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [note, setNote] = useState<string>();

  async function act(work: () => Promise<unknown>, done: string) {
    setBusy(true);
    setError(undefined);
    setNote(undefined);
    try {
      await work();
      setNote(done);
      onSent();
    } catch (e) {
      setError(e as Error);
    }
    setBusy(false);
  }

  return (
    <form
      class="reply-box"
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim()) return;
        void act(async () => {
          dataOf(await api.POST('/api/v1/conversations/{id}/messages', { params: { path: { id } }, body: { text } }));
          setText('');
        }, 'Sent. The receptionist stays quiet in this thread until you hand it back.');
      }}
    >
      <label class="field">
        <span>Reply as the spa</span>
        <textarea value={text} maxLength={1600} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      {error && <ErrorNote error={error} />}
      {note && (
        <p class="form-saved" role="status">
          {note}
        </p>
      )}
      <div class="form-actions" style="margin-top:0">
        <button type="submit" class="button button-primary" disabled={busy || !text.trim()}>
          Send text
        </button>
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() =>
            act(
              async () => dataOf(await api.PUT('/api/v1/conversations/{id}/assistant', { params: { path: { id } }, body: { paused: !paused } })),
              paused ? 'The receptionist answers this thread again.' : 'The receptionist is paused on this thread.',
            )
          }
        >
          {paused ? 'Hand back to the receptionist' : 'Pause the receptionist'}
        </button>
        <span class="muted">{paused ? 'Receptionist paused: staff are answering.' : 'The receptionist is answering this thread.'}</span>
      </div>
    </form>
  );
}
