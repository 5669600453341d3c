import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { exceptionsToSave, HoursExceptionsEditor, useExceptionRows } from './hours-exceptions.js';
import { FieldProblemFor, SettingsSection } from './save-form.js';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
type Day = (typeof DAYS)[number];
type Opening = { open: string; close: string };
type Week = Record<Day, Opening[]>;

/**
 * The weekly hours (any number of opening periods a day, a lunch break is two, none for closed) and
 * the dated exceptions to them, saved together.
 */
export function HoursSection({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [week, setWeek] = useState<Week>(() => Object.fromEntries(DAYS.map((d) => [d, settings.hours[d] ?? []])) as Week);
  const [exceptions, setExceptions] = useExceptionRows(settings);
  const update = (day: Day, periods: Opening[]) => setWeek((w) => ({ ...w, [day]: periods }));
  return (
    <SettingsSection
      title="Opening hours"
      id="hours"
      onSaved={onSaved}
      patch={() => ({ hours: week, settings: { hoursExceptions: exceptionsToSave(exceptions, setExceptions) } })}
    >
      <fieldset class="settings-group">
        <legend>Every week</legend>
        {DAYS.map((day) => {
          const label = day[0]?.toUpperCase() + day.slice(1);
          return (
            <div class="hours-row" key={day} role="group" aria-label={label}>
              <strong>{label}</strong>
              <div class="hours-slots">
                {week[day].length === 0 && <span class="muted">Closed</span>}
                {week[day].map((p, i) => (
                  <span key={i} class="hours-slots">
                    <input type="time" aria-label={`${label} opens`} value={p.open} onInput={(e) => update(day, week[day].map((q, j) => (j === i ? { ...q, open: e.currentTarget.value } : q)))} />
                    –
                    <input type="time" aria-label={`${label} closes`} value={p.close} onInput={(e) => update(day, week[day].map((q, j) => (j === i ? { ...q, close: e.currentTarget.value } : q)))} />
                    <button type="button" class="button button-small button-quiet" aria-label={`Remove ${label} ${p.open}–${p.close}`} onClick={() => update(day, week[day].filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </span>
                ))}
                <button type="button" class="button button-small" onClick={() => update(day, [...week[day], { open: '09:00', close: '17:00' }])}>
                  Add hours
                </button>
                <FieldProblemFor path={`hours.${day}`} />
              </div>
            </div>
          );
        })}
      </fieldset>
      <HoursExceptionsEditor rows={exceptions} setRows={setExceptions} timezone={settings.timezone} />
    </SettingsSection>
  );
}
