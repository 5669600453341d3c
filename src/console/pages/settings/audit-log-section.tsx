import { useEffect, useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { useLoad } from '../../app/use-load.js';
import { addDays, dayTime } from '../../ui/format.js';
import { ErrorNote, Loaded, Panel } from '../../ui/states.js';
import { actionLabel, detailLine, KNOWN_ACTIONS } from './audit-words.js';
import { personLabel, type AuditEvent, type AuditQuery } from './people-types.js';
import { startOfDayIn } from './zoned-day.js';

/** The audit log: who viewed or changed what, when, from where; newest first, filtered, in cursor pages. */

const PAGE = 50;

interface Filters {
  actor?: string;
  action?: string;
  recordId?: string;
  from?: string;
  to?: string;
}

function queryOf(filters: Filters, timeZone: string): AuditQuery {
  const [kind, id] = filters.actor?.split(':') ?? [];
  return {
    limit: PAGE,
    ...(kind === 'person' && id ? { personId: id } : {}),
    ...(kind === 'key' && id ? { actorId: id } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.recordId ? { recordId: filters.recordId } : {}),
    ...(filters.from ? { from: startOfDayIn(filters.from, timeZone) } : {}),
    // "To" is the last day shown, whole: the API's `to` is exclusive.
    ...(filters.to ? { to: startOfDayIn(addDays(filters.to, 1), timeZone) } : {}),
  };
}

export function AuditLogSection({ timeZone }: { timeZone: string }) {
  const [filters, setFilters] = useState<Filters>({});
  const [formKey, setFormKey] = useState(0);
  const who = useLoad(async () => {
    const [people, keys] = await Promise.all([api.GET('/api/v1/people'), api.GET('/api/v1/api-keys')]);
    return { people: dataOf(people).data, keys: dataOf(keys).data };
  }, []);
  const first = useLoad(async () => dataOf(await api.GET('/api/v1/audit-events', { params: { query: queryOf(filters, timeZone) } })), [filters, timeZone]);
  const [more, setMore] = useState<{ rows: AuditEvent[]; nextCursor: string | null }>();
  const [moreError, setMoreError] = useState<Error>();
  const [loadingMore, setLoadingMore] = useState(false);
  useEffect(() => setMore(undefined), [first.data]);

  const people = new Map((who.data?.people ?? []).map((p) => [p.id, personLabel(p)]));
  const keys = new Map((who.data?.keys ?? []).map((k) => [k.id, k.name]));
  const actorName = (actor: AuditEvent['actor']) => {
    if (actor.type === 'person') return (actor.id && people.get(actor.id)) ?? 'A removed person';
    if (actor.type === 'key') return `API key “${(actor.id && keys.get(actor.id)) ?? actor.id ?? '?'}”`;
    if (actor.type === 'cli') return 'Command line';
    return 'Not signed in';
  };
  const recordName = (record: AuditEvent['record']) => {
    if (!record.id) return '—';
    if (record.type === 'person' && people.has(record.id)) return `Person: ${people.get(record.id)}`;
    if (record.type === 'api_key' && keys.has(record.id)) return `API key: ${keys.get(record.id)}`;
    return `${(record.type ?? 'record').replace(/_/g, ' ')} ${record.id.slice(0, 8)}`;
  };

  function apply(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    const next: Filters = {};
    for (const name of ['actor', 'action', 'recordId', 'from', 'to'] as const) {
      const v = value(name);
      if (v) next[name] = v;
    }
    setFilters(next);
  }

  function clear() {
    setFilters({});
    setFormKey((k) => k + 1);
  }

  async function loadMore(cursor: string) {
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = dataOf(await api.GET('/api/v1/audit-events', { params: { query: { ...queryOf(filters, timeZone), cursor } } }));
      setMore((m) => ({ rows: [...(m?.rows ?? []), ...page.data], nextCursor: page.nextCursor }));
    } catch (e) {
      setMoreError(e as Error);
    }
    setLoadingMore(false);
  }

  const filtered = Object.keys(filters).length > 0;
  return (
    <Panel title="Audit log" id="audit-log">
      <form class="filters audit-filters" onSubmit={apply} key={formKey} aria-label="Filter the audit log">
        {/* Labels beside (not around) the selects, so a select's name is "Person", not "Person Anyone". */}
        <div class="field">
          <label for="audit-actor">Person</label>
          <select id="audit-actor" name="actor" defaultValue={filters.actor ?? ''}>
            <option value="">Anyone</option>
            {who.data && who.data.people.length > 0 && (
              <optgroup label="People">
                {who.data.people.map((p) => (
                  <option key={p.id} value={`person:${p.id}`}>
                    {personLabel(p)}
                  </option>
                ))}
              </optgroup>
            )}
            {who.data && who.data.keys.length > 0 && (
              <optgroup label="API keys">
                {who.data.keys.map((k) => (
                  <option key={k.id} value={`key:${k.id}`}>
                    {k.name}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </div>
        <div class="field">
          <label for="audit-action">Action</label>
          <select id="audit-action" name="action" defaultValue={filters.action ?? ''}>
            <option value="">Any action</option>
            {KNOWN_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {actionLabel(action)}
              </option>
            ))}
          </select>
        </div>
        <label class="field">
          <span>Record id</span>
          <input name="recordId" maxLength={100} defaultValue={filters.recordId ?? ''} autocomplete="off" spellcheck={false} />
        </label>
        <label class="field">
          <span>From</span>
          <input name="from" type="date" defaultValue={filters.from ?? ''} />
        </label>
        <label class="field">
          <span>To</span>
          <input name="to" type="date" defaultValue={filters.to ?? ''} />
        </label>
        <div class="filter-buttons">
          <button type="submit" class="button button-primary">
            Apply filters
          </button>
          {filtered && (
            <button type="button" class="button" onClick={clear}>
              Clear
            </button>
          )}
        </div>
      </form>
      <Loaded
        state={first}
        what="Loading the audit log"
        empty={(page) => page.data.length === 0}
        emptyText={filtered ? 'No events match these filters.' : 'Nothing recorded yet.'}
      >
        {(page) => {
          const rows = [...page.data, ...(more?.rows ?? [])];
          const nextCursor = more ? more.nextCursor : page.nextCursor;
          return (
            <>
              <div class="table-wrap">
                <table class="audit-table">
                  <caption class="skip-link">Audit events, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Who</th>
                      <th scope="col">Action</th>
                      <th scope="col">Record</th>
                      <th scope="col" class="hide-phone">
                        Address
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((event) => {
                      const detail = detailLine(event, (id) => people.get(id));
                      return (
                        <tr key={event.id}>
                          <td class="nowrap">
                            <time dateTime={event.at}>{dayTime(event.at)}</time>
                          </td>
                          <td>{actorName(event.actor)}</td>
                          <td>
                            <div>{actionLabel(event.action)}</div>
                            {detail && <div class="muted audit-detail">{detail}</div>}
                          </td>
                          <td>
                            {event.record.id ? (
                              <button
                                type="button"
                                class="link-button"
                                title={event.record.id}
                                aria-label={`Only events of ${recordName(event.record)} (${event.record.id})`}
                                onClick={() => {
                                  setFilters({ ...filters, recordId: event.record.id ?? undefined });
                                  setFormKey((k) => k + 1);
                                }}
                              >
                                {recordName(event.record)}
                              </button>
                            ) : (
                              <span class="muted">—</span>
                            )}
                          </td>
                          <td class="hide-phone">
                            <code>{event.address ?? '—'}</code>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              {moreError && <ErrorNote error={moreError} retry={nextCursor ? () => void loadMore(nextCursor) : undefined} />}
              <div class="form-actions">
                {nextCursor ? (
                  <button type="button" class="button" disabled={loadingMore} onClick={() => void loadMore(nextCursor)}>
                    {loadingMore ? 'Loading…' : 'Load more'}
                  </button>
                ) : (
                  <span class="muted">
                    {rows.length} {rows.length === 1 ? 'event' : 'events'}, the oldest included.
                  </span>
                )}
              </div>
            </>
          );
        }}
      </Loaded>
    </Panel>
  );
}
