import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { FieldProblemText, SettingsSection, useFieldProblem } from './save-form.js';

/** Languages med spas most often serve in, offered as suggestions; any ISO 639-1 code is accepted. */
const SUGGESTED = ['en', 'es', 'fr', 'pt', 'de', 'it', 'zh', 'vi', 'ko', 'tl', 'ar', 'ru', 'ja', 'hi', 'fa', 'ht', 'pl', 'he'];
const MAX_LANGUAGES = 10;

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
/** "Spanish" for "es"; undefined for a code that is no language. */
function languageName(code: string): string | undefined {
  if (!/^[a-z]{2}$/.test(code)) return undefined;
  try {
    const name = names.of(code);
    return name && name !== code ? name : undefined;
  } catch {
    return undefined;
  }
}

type Row = { key: number; code: string };
let nextKey = 0;

/** The languages the receptionist speaks with patients, which one she greets in, and how she offers the others. */
export function LanguagesSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [rows, setRows] = useState<Row[]>(() => s.settings.languages.map((code) => ({ key: nextKey++, code })));
  // The primary is kept by row, so editing its code keeps it primary.
  const [primaryKey, setPrimaryKey] = useState(() => rows[0]?.key ?? -1);
  const list = useFieldProblem('settings.languages', true);
  const invitation = useFieldProblem('settings.languageInvitation');
  const primaryFirst = () => {
    const primary = rows.find((r) => r.key === primaryKey);
    return primary ? [primary, ...rows.filter((r) => r !== primary)] : rows;
  };
  const change = (key: number, code: string) => setRows((all) => all.map((r) => (r.key === key ? { ...r, code } : r)));
  const remove = (key: number) => {
    const left = rows.filter((r) => r.key !== key);
    setRows(left);
    if (key === primaryKey) setPrimaryKey(left[0]?.key ?? -1);
  };
  return (
    <SettingsSection
      title="Languages"
      id="languages"
      hint="The receptionist greets callers in the main language and switches when a caller speaks another of these. Texts go out in the patient's language when it is English or Spanish."
      onSaved={onSaved}
      patch={(f) => {
        // The API reads the first language as the main one: the rows are saved, and then shown, in that order.
        const ordered = primaryFirst();
        setRows(ordered);
        const words = String(f.get('languageInvitation') ?? '').trim();
        return { settings: { languages: ordered.map((r) => r.code.trim().toLowerCase()), languageInvitation: words || null } };
      }}
    >
      <fieldset class="settings-group">
        <legend>Languages spoken</legend>
        <p class="field-hint">Two-letter codes (ISO 639-1): en English, es Spanish, fr French… Choose the main one, which she greets in.</p>
        <datalist id="language-suggestions">
          {SUGGESTED.map((code) => (
            <option key={code} value={code}>
              {languageName(code)}
            </option>
          ))}
        </datalist>
        <div>
          {rows.map((row) => (
            <LanguageRow
              key={row.key}
              row={row}
              index={primaryFirst().indexOf(row)}
              primary={row.key === primaryKey}
              only={rows.length === 1}
              makePrimary={() => setPrimaryKey(row.key)}
              change={(code) => change(row.key, code)}
              remove={() => remove(row.key)}
            />
          ))}
        </div>
        <FieldProblemText problem={list} />
        {rows.length < MAX_LANGUAGES && (
          <button type="button" class="button" style="margin-top:12px" onClick={() => setRows((all) => [...all, { key: nextKey++, code: '' }])}>
            Add a language
          </button>
        )}
      </fieldset>
      <label class="field">
        <span>Invitation to speak another language (optional)</span>
        <textarea name="languageInvitation" maxLength={300} defaultValue={s.settings.languageInvitation ?? ''} placeholder="Para español, hable en español." {...invitation.attributes} />
        <FieldProblemText problem={invitation} />
        <span class="field-hint">Said word for word right after the greeting, in your own words. Leave it empty to say nothing.</span>
      </label>
    </SettingsSection>
  );
}

function LanguageRow(props: { row: Row; index: number; primary: boolean; only: boolean; makePrimary: () => void; change: (code: string) => void; remove: () => void }) {
  const { row } = props;
  const problem = useFieldProblem(`settings.languages.${props.index}`);
  const name = languageName(row.code.trim().toLowerCase());
  const label = name ?? (row.code ? `“${row.code}”` : 'New language');
  return (
    <div class="language-row" role="group" aria-label={label}>
      <label class="field language-code">
        <span>Code</span>
        <input
          value={row.code}
          required
          maxLength={2}
          pattern="[a-zA-Z]{2}"
          list="language-suggestions"
          autoComplete="off"
          onInput={(e) => props.change(e.currentTarget.value)}
          {...problem.attributes}
        />
        <FieldProblemText problem={problem} />
      </label>
      <div>
        <span class="language-name">{name ?? (row.code ? 'Not a language we know' : '')}</span>
        <label class="check" style="margin-left:12px">
          <input type="radio" name="primary-language" checked={props.primary} onChange={props.makePrimary} />
          Main language
        </label>
      </div>
      {!props.only && (
        <button type="button" class="button button-small button-danger" aria-label={`Remove ${label}`} onClick={props.remove}>
          Remove
        </button>
      )}
    </div>
  );
}
