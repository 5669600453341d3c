import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { Empty } from '../../ui/states.js';
import { FieldProblemText, useFieldProblem } from './save-form.js';

type Opening = { open: string; close: string };
type HoursException = Settings['settings']['hoursExceptions'][number];
/** A row being edited; `key` keeps each row's inputs its own while rows are added and removed. */
export type Row = { key: number; date: string; closed: boolean; hours: Opening[]; note: string };

const MAX_PERIODS = 4;
let nextKey = 0;

const rowOf = (e: HoursException): Row => ({ key: nextKey++, date: e.date, closed: e.hours.length === 0, hours: e.hours.length ? e.hours : [{ open: '10:00', close: '14:00' }], note: e.note ?? '' });
const byDate = (a: Row, b: Row) => (a.date === '' ? 1 : b.date === '' ? -1 : a.date.localeCompare(b.date));
const exceptionOf = (r: Row): HoursException => ({ date: r.date, hours: r.closed ? [] : r.hours, ...(r.note.trim() ? { note: r.note.trim() } : {}) });

/** "Friday, December 25, 2026" for a YYYY-MM-DD date (a calendar date: no time zone moves it). */
function dayName(date: string): string {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T12:00:00Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) return 'New date';
  return new Intl.DateTimeFormat('en-US', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(parsed);
}

/** The rows of the exceptions editor, as loaded (in date order). */
export function useExceptionRows(settings: Settings) {
  return useState<Row[]>(() => settings.settings.hoursExceptions.map(rowOf).sort(byDate));
}

/**
 * The exceptions as the API takes them, in date order; the rows are put in that order too, so the
 * API's "item 2" is the second row shown.
 */
export function exceptionsToSave(rows: Row[], setRows: (rows: Row[]) => void): HoursException[] {
  const sorted = [...rows].sort(byDate);
  setRows(sorted);
  return sorted.map(exceptionOf);
}

/** Holidays, closures and days with other hours: on their date they win over the weekly hours. */
export function HoursExceptionsEditor({ rows, setRows, timezone }: { rows: Row[]; setRows: (update: (rows: Row[]) => Row[]) => void; timezone: string }) {
  const change = (key: number, update: Partial<Row>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...update } : r)));
  const list = useFieldProblem('settings.hoursExceptions', true);
  return (
    <fieldset class="settings-group" style="margin-top:16px">
      <legend>Holidays, closures and special hours</legend>
      <p class="field-hint">
        Dates in the spa's time zone ({timezone}). On these dates the receptionist, the front-desk ringing and "press 0" follow these hours instead of the weekly ones.
      </p>
      {rows.length === 0 ? (
        <Empty>No holidays or closures yet: the weekly hours apply every day.</Empty>
      ) : (
        <div class="dated-list">
          {rows.map((row, index) => (
            <ExceptionRow key={row.key} row={row} index={index} change={(update) => change(row.key, update)} remove={() => setRows((all) => all.filter((r) => r.key !== row.key))} />
          ))}
        </div>
      )}
      <FieldProblemText problem={list} />
      <button type="button" class="button" onClick={() => setRows((all) => [...all, { key: nextKey++, date: '', closed: true, hours: [{ open: '10:00', close: '14:00' }], note: '' }])}>
        Add a date
      </button>
    </fieldset>
  );
}

function ExceptionRow({ row, index, change, remove }: { row: Row; index: number; change: (update: Partial<Row>) => void; remove: () => void }) {
  const path = `settings.hoursExceptions.${index}`;
  const date = useFieldProblem(`${path}.date`);
  const hours = useFieldProblem(`${path}.hours`);
  const note = useFieldProblem(`${path}.note`);
  const name = dayName(row.date);
  const setPeriod = (i: number, update: Partial<Opening>) => change({ hours: row.hours.map((p, j) => (j === i ? { ...p, ...update } : p)) });
  return (
    <div class="dated-row" role="group" aria-label={name}>
      <label class="field">
        <span>Date</span>
        <input type="date" required value={row.date} onInput={(e) => change({ date: e.currentTarget.value })} {...date.attributes} />
        <FieldProblemText problem={date} />
      </label>
      <label class="field">
        <span>That day</span>
        <select value={row.closed ? 'closed' : 'open'} onChange={(e) => change({ closed: e.currentTarget.value === 'closed' })}>
          <option value="closed">Closed all day</option>
          <option value="open">Open, special hours</option>
        </select>
      </label>
      <label class="field dated-note">
        <span>Note (optional)</span>
        <input value={row.note} maxLength={120} placeholder="e.g. Christmas Day" onInput={(e) => change({ note: e.currentTarget.value })} {...note.attributes} />
        <FieldProblemText problem={note} />
      </label>
      {!row.closed && (
        <div class="hours-slots">
          {row.hours.map((p, i) => (
            <span key={i} class="hours-slots">
              <input type="time" required aria-label={`${name}: opens`} value={p.open} onInput={(e) => setPeriod(i, { open: e.currentTarget.value })} {...hours.attributes} />
              –
              <input type="time" required aria-label={`${name}: closes`} value={p.close} onInput={(e) => setPeriod(i, { close: e.currentTarget.value })} {...hours.attributes} />
              {row.hours.length > 1 && (
                <button type="button" class="button button-small button-quiet" aria-label={`Remove ${name} ${p.open}–${p.close}`} onClick={() => change({ hours: row.hours.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              )}
            </span>
          ))}
          {row.hours.length < MAX_PERIODS && (
            <button type="button" class="button button-small" onClick={() => change({ hours: [...row.hours, { open: '15:00', close: '18:00' }] })}>
              Add hours
            </button>
          )}
          <FieldProblemText problem={hours} />
        </div>
      )}
      <div class="dated-row-actions">
        <button type="button" class="button button-small button-danger" aria-label={`Remove ${name}`} onClick={remove}>
          Remove
        </button>
      </div>
    </div>
  );
}
