import { useEffect, useState } from 'preact/hooks';
import type { ConversationQuery } from '../../api/types.js';
import { OUTCOMES } from '../../ui/format.js';

export const FILTER_KEYS = ['q', 'channel', 'outcome', 'from', 'to', 'followUpNeeded', 'maxSatisfaction'] as const;

/** Search and filters; the search box applies on Enter (or the button), the rest at once. */
export function ConversationFilters({ values, onChange }: { values: ConversationQuery; onChange: (values: Record<string, string>) => void }) {
  const [q, setQ] = useState(values.q ?? '');
  useEffect(() => setQ(values.q ?? ''), [values.q]);
  const current = Object.fromEntries(FILTER_KEYS.map((k) => [k, String(values[k] ?? '')]));
  const set = (key: string, value: string) => onChange({ ...current, q, [key]: value });
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...current, q });
      }}
    >
      <label class="field" style="flex:1 1 240px">
        <span>Search transcripts and summaries</span>
        <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="e.g. lip filler" />
      </label>
      <label class="field">
        <span>Channel</span>
        <select value={current.channel} onChange={(e) => set('channel', e.currentTarget.value)}>
          <option value="">Calls and texts</option>
          <option value="voice">Calls</option>
          <option value="sms">Texts</option>
        </select>
      </label>
      <label class="field">
        <span>Outcome</span>
        <select value={current.outcome} onChange={(e) => set('outcome', e.currentTarget.value)}>
          <option value="">Any outcome</option>
          {Object.entries(OUTCOMES).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>From</span>
        <input type="date" value={current.from} onChange={(e) => set('from', e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>To</span>
        <input type="date" value={current.to} onChange={(e) => set('to', e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={current.followUpNeeded === 'true'} onChange={(e) => set('followUpNeeded', e.currentTarget.checked ? 'true' : '')} />
        Needs follow-up
      </label>
      <label class="check">
        <input type="checkbox" checked={current.maxSatisfaction === '2'} onChange={(e) => set('maxSatisfaction', e.currentTarget.checked ? '2' : '')} />
        Unhappy (1–2)
      </label>
      <button type="submit" class="button button-primary">
        Search
      </button>
    </form>
  );
}
