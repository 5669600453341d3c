import type { Settings } from '../../api/types.js';
import { FieldProblemFor } from './save-form.js';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
type Day = (typeof DAYS)[number];
type Opening = { open: string; close: string };
export type Week = Record<Day, Opening[]>;

/** A full week from stored hours (a day left out is closed). */
export const weekOf = (hours: Settings['hours']): Week => Object.fromEntries(DAYS.map((d) => [d, hours[d] ?? []])) as Week;

/**
 * A week of opening periods: any number a day (a lunch break is two), none for closed. `who` names
 * whose week it is in the labels when there are several on the page; `path` is where the API
 * reports a problem with it (`hours`, `providers.2.hours`).
 */
export function WeekEditor({ week, onChange, who, path }: { week: Week; onChange: (week: Week) => void; who?: string; path: string }) {
  const update = (day: Day, periods: Opening[]) => onChange({ ...week, [day]: periods });
  return (
    <>
      {DAYS.map((day) => {
        const label = `${who ? `${who}, ` : ''}${day[0]?.toUpperCase()}${day.slice(1)}`;
        return (
          <div class="hours-row" key={day} role="group" aria-label={label}>
            <strong>{day[0]?.toUpperCase() + day.slice(1)}</strong>
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
              <button type="button" class="button button-small" aria-label={`Add hours on ${label}`} onClick={() => update(day, [...week[day], { open: '09:00', close: '17:00' }])}>
                Add hours
              </button>
              <FieldProblemFor path={`${path}.${day}`} />
            </div>
          </div>
        );
      })}
    </>
  );
}
