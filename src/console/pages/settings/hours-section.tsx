import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { exceptionsToSave, HoursExceptionsEditor, useExceptionRows } from './hours-exceptions.js';
import { SettingsSection } from './save-form.js';
import { WeekEditor, weekOf } from './week-editor.js';

/**
 * The weekly hours (any number of opening periods a day, a lunch break is two, none for closed) and
 * the dated exceptions to them, saved together.
 */
export function HoursSection({ settings, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [week, setWeek] = useState(() => weekOf(settings.hours));
  const [exceptions, setExceptions] = useExceptionRows(settings);
  return (
    <SettingsSection
      title="Opening hours"
      id="hours"
      onSaved={onSaved}
      patch={() => ({ hours: week, settings: { hoursExceptions: exceptionsToSave(exceptions, setExceptions) } })}
    >
      <fieldset class="settings-group">
        <legend>Every week</legend>
        <WeekEditor week={week} onChange={setWeek} path="hours" />
      </fieldset>
      <HoursExceptionsEditor rows={exceptions} setRows={setExceptions} timezone={settings.timezone} />
    </SettingsSection>
  );
}
