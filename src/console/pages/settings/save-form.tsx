import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { Settings, SettingsPatch } from '../../api/types.js';
import { ErrorNote, Panel } from '../../ui/states.js';

/** A settings section: its fields in a form that PATCHes only what the section owns. */
export function SettingsSection(props: {
  title: string;
  id: string;
  hint?: string;
  patch: (form: FormData) => SettingsPatch;
  onSaved: (settings: Settings) => void;
  children: ComponentChildren;
}) {
  const [error, setError] = useState<Error>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      props.onSaved(dataOf(await api.PATCH('/api/v1/settings', { body: props.patch(new FormData(event.currentTarget as HTMLFormElement)) })));
      setSaved(true);
    } catch (e) {
      setError(e as Error);
    }
    setBusy(false);
  }
  return (
    <Panel title={props.title} id={props.id}>
      <form onSubmit={submit}>
        {props.hint && <p class="muted" style="margin-top:0">{props.hint}</p>}
        {props.children}
        {error && <ErrorNote error={error} />}
        <div class="form-actions">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          {saved && (
            <span class="form-saved" role="status">
              Saved. The next call uses it.
            </span>
          )}
        </div>
      </form>
    </Panel>
  );
}

export const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
export const number = (form: FormData, name: string) => Number(text(form, name));
