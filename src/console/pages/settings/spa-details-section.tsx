import type { Settings } from '../../api/types.js';
import { FieldProblemText, SettingsSection, text, useFieldProblem } from './save-form.js';

/** The browser's IANA time zones, with the spa's own kept even if the browser does not list it. */
function timeZones(current: string): string[] {
  const known = Intl.supportedValuesOf('timeZone');
  return known.includes(current) ? known : [current, ...known];
}

/** The spa's name and address (the receptionist says them) and the time zone its hours are in. */
export function SpaDetailsSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const name = useFieldProblem('name');
  const address = useFieldProblem('address');
  const zone = useFieldProblem('timezone');
  return (
    <SettingsSection
      title="The spa"
      id="spa"
      hint="What the receptionist tells callers about where you are, and the clock your opening hours and appointments follow."
      onSaved={onSaved}
      patch={(f) => ({ name: text(f, 'spaName'), address: text(f, 'address'), timezone: text(f, 'timezone') })}
    >
      <div class="form-grid">
        <label class="field">
          <span>Spa name</span>
          <input name="spaName" required maxLength={200} defaultValue={s.name} autoComplete="organization" {...name.attributes} />
          <FieldProblemText problem={name} />
        </label>
        <label class="field">
          <span>Time zone</span>
          <select name="timezone" {...zone.attributes}>
            {timeZones(s.timezone).map((z) => (
              <option key={z} value={z} selected={z === s.timezone}>
                {z.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
          <FieldProblemText problem={zone} />
        </label>
      </div>
      <label class="field" style="margin-top:12px">
        <span>Address</span>
        <textarea name="address" required maxLength={300} defaultValue={s.address} autoComplete="street-address" {...address.attributes} />
        <FieldProblemText problem={address} />
        <span class="field-hint">Said to callers who ask how to find you.</span>
      </label>
      {s.website && <p class="field-hint">Website: {s.website} (set when the spa was imported).</p>}
    </SettingsSection>
  );
}
