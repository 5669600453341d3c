import { useEffect, useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { ConversationQuery, ConversationRow } from '../../api/types.js';
import { useLiveReload } from '../../app/live.js';
import { navigate, useLocation } from '../../app/router.js';
import { ErrorNote, Loading } from '../../ui/states.js';
import { ConversationFilters, FILTER_KEYS } from './conversation-filters.js';
import { ConversationTable } from './conversation-table.js';

const PAGE_SIZE = 50;

/** The filters live in the URL, so a filtered list can be linked to and back/forward restore it. */
function queryFrom(search: URLSearchParams): ConversationQuery {
  const query: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (value) query[key] = value;
  }
  return query as ConversationQuery;
}

export function ConversationsPage() {
  const location = useLocation();
  const key = FILTER_KEYS.map((k) => location.query.get(k) ?? '').join('|');
  const [rows, setRows] = useState<ConversationRow[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<Error>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [stale, setStale] = useState(0);

  async function load(cursor?: string) {
    const query = { ...queryFrom(location.query), limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) };
    const page = dataOf(await api.GET('/api/v1/conversations', { params: { query } }));
    return page;
  }

  useEffect(() => {
    let current = true;
    setError(undefined);
    load().then(
      (page) => current && (setRows(page.data), setNext(page.nextCursor)),
      (e: Error) => current && setError(e),
    );
    return () => void (current = false);
  }, [key, stale]);

  // New conversations arrive at the top; reload the first page unless the reader has paged on.
  useLiveReload(['conversations'], () => {
    if ((rows?.length ?? 0) <= PAGE_SIZE) setStale((n) => n + 1);
  });

  async function more() {
    if (!next) return;
    setLoadingMore(true);
    try {
      const page = await load(next);
      setRows((r) => [...(r ?? []), ...page.data]);
      setNext(page.nextCursor);
    } catch (e) {
      setError(e as Error);
    }
    setLoadingMore(false);
  }

  return (
    <>
      <ConversationFilters
        values={queryFrom(location.query)}
        onChange={(values) => {
          const search = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== '' && v !== undefined) as [string, string][]);
          navigate(`/conversations${search.size ? `?${search}` : ''}`, { replace: true });
        }}
      />
      <section class="panel" aria-label="Conversations">
        {error && <ErrorNote error={error} retry={() => setStale((n) => n + 1)} />}
        {rows === undefined ? !error && <Loading what="Loading conversations" /> : <ConversationTable rows={rows} />}
        {next && (
          <div class="form-actions">
            <button type="button" class="button" onClick={more} disabled={loadingMore}>
              {loadingMore ? 'Loading…' : 'Show older conversations'}
            </button>
          </div>
        )}
      </section>
    </>
  );
}
