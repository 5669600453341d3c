import type { Settings } from '../../api/types.js';
import { WeekEditor, weekOf, type Week } from './week-editor.js';

/** Each provider's week: null works whenever the spa is open. */
export type ProviderWeeks = Record<string, Week | null>;

export const providerWeeksOf = (s: Settings): ProviderWeeks => Object.fromEntries(s.providers.map((p) => [p.slug, p.hours ? weekOf(p.hours) : null]));

/** When each provider can be booked: the spa's hours, or their own days and hours within them. */
export function ProviderHours({ settings: s, weeks, onChange }: { settings: Settings; weeks: ProviderWeeks; onChange: (weeks: ProviderWeeks) => void }) {
  return (
    <fieldset class="settings-group" style="margin-top:16px">
      <legend>When each provider can be booked</legend>
      <p class="field-hint">Own hours count only while the spa is open (see Opening hours).</p>
      {s.providers.map((p, index) => {
        const week = weeks[p.slug] ?? null;
        return (
          <div key={p.slug} class="provider-hours">
            <label class="check">
              <input type="checkbox" checked={week === null} onChange={(e) => onChange({ ...weeks, [p.slug]: e.currentTarget.checked ? null : weekOf(s.hours) })} />
              <span>
                <strong>{p.name}</strong> works whenever the spa is open
              </span>
            </label>
            {week && <WeekEditor week={week} who={p.name} path={`providers.${index}.hours`} onChange={(next) => onChange({ ...weeks, [p.slug]: next })} />}
          </div>
        );
      })}
    </fieldset>
  );
}
