import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { Settings, SettingsPatch } from '../../api/types.js';
import { ErrorNote, Panel } from '../../ui/states.js';
import './settings-forms.css';

/**
 * Where the API says a refused change went wrong: its 400 message is "body.<path>: <what>", e.g.
 * "body.settings.hoursExceptions.0.hours.0: close must be after open". Fields that own a path show
 * the "what" beside themselves.
 */
export interface FieldProblem {
  path: string;
  message: string;
}

const FieldProblemContext = createContext<FieldProblem | undefined>(undefined);

export function fieldProblemOf(error: Error | undefined): FieldProblem | undefined {
  const found = error && /^body\.([\w.]+): (.+)$/s.exec(error.message);
  return found?.[1] && found[2] ? { path: found[1], message: found[2] } : undefined;
}

/**
 * The API's complaint about `path` (or anything under it), with the attributes that tie the field
 * to it for screen readers; `exact` for a list whose items report their own problems.
 */
export function useFieldProblem(path: string, exact = false) {
  const problem = useContext(FieldProblemContext);
  const id = `problem-${path.replace(/\W+/g, '-')}`;
  const matches = problem !== undefined && (problem.path === path || (!exact && problem.path.startsWith(`${path}.`)));
  return {
    message: matches ? problem.message : undefined,
    id,
    attributes: matches ? { 'aria-invalid': true as const, 'aria-describedby': id } : {},
  };
}

/**
 * The API's words for what is wrong, right under the field they concern. It sits inside the
 * field's <label> for the layout, so it is hidden from the label's name; screen readers get it as
 * the field's description (aria-describedby reads hidden text) and from the form's alert.
 */
export function FieldProblemText({ problem }: { problem: { message: string | undefined; id: string } }) {
  if (!problem.message) return null;
  return (
    <span class="field-problem" id={problem.id} aria-hidden="true">
      {problem.message}
    </span>
  );
}

/** The API's complaint about `path` where no single input owns it (a day of the weekly hours). */
export function FieldProblemFor({ path }: { path: string }) {
  return <FieldProblemText problem={useFieldProblem(path)} />;
}

/** A settings section: its fields in a form that PATCHes only what the section owns. */
export function SettingsSection(props: {
  title: string;
  id: string;
  hint?: ComponentChildren;
  patch: (form: FormData) => SettingsPatch;
  onSaved: (settings: Settings) => void;
  children: ComponentChildren;
}) {
  const [error, setError] = useState<Error>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [marked, setMarked] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // After a refusal, the keyboard goes to the first field the API complained about, if one owns it.
  useEffect(() => {
    const field = error ? form.current?.querySelector<HTMLElement>('[aria-invalid="true"]') : undefined;
    setMarked(Boolean(field));
    field?.focus();
  }, [error]);
  const problem = fieldProblemOf(error);
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
      <form onSubmit={submit} ref={form}>
        {props.hint && <p class="muted" style="margin-top:0">{props.hint}</p>}
        <FieldProblemContext.Provider value={problem}>{props.children}</FieldProblemContext.Provider>
        {error && <ErrorNote error={new Error(marked && problem ? `Not saved: ${problem.message} (the field is marked above).` : `Not saved: ${error.message.replace(/^body\./, '')}`)} />}
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
/** An optional number: empty is null. */
export const numberOrNull = (form: FormData, name: string) => (text(form, name) ? number(form, name) : null);
