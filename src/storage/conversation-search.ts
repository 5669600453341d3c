import { sql } from 'kysely';
import { conditions, type ConversationFilter } from './conversation-filter.js';
import type { Db } from './database.js';

/**
 * How many of the filter's newest conversations the first search step looks through. Common words
 * fill a page long before this; a rare word's page comes from the index instead (see below).
 */
export const RECENT_SEARCH_WINDOW = 1000;

/**
 * The ids of the page's conversations whose transcript or summary has the words, newest first
 * (exactly the first `limit` matches of the filter after its cursor), in at most two statements.
 *
 * 1. Among the filter's newest RECENT_SEARCH_WINDOW conversations, newest first, stopping at a
 *    page: a common word fills it after a few dozen rows.
 * 2. Only when that leaves the page short and there are older conversations: the rest comes from
 *    the full-text indexes — the conversations of the word's messages and of its summaries, older
 *    than the window, joined back, filtered and sorted. That is cheap when the word is rare, which
 *    is when step 1 comes up short; walking the conversations instead probed every one's messages.
 */
export async function matchingConversationIds(db: Db, filter: ConversationFilter, text: string): Promise<string[]> {
  const words = sql`websearch_to_tsquery('english', ${text})`;
  // The window, newest first, under the given alias.
  const recentWindow = (alias: string) => sql`(select t.id, t.started_at, t.summary_search from conversations t where ${conditions(filter, 't')}
    order by t.started_at desc, t.id desc limit ${RECENT_SEARCH_WINDOW}) ${sql.id(alias)}`;
  const newest = sql`order by started_at desc, id desc limit ${filter.limit}`;
  // Transcripts and summaries apart, so the planner weighs each against its own index: probing a
  // few dozen conversations' messages for a common word, the word's messages for a rare one.
  const recent = await sql<{ id: string }>`
    select id from (
      (select w.id, w.started_at from ${recentWindow('w')} where w.id in (select m.conversation_id from messages m where m.search @@ ${words}) ${newest})
      union
      (select v.id, v.started_at from ${recentWindow('v')} where v.summary_search @@ ${words} ${newest})) x
    ${newest}`.execute(db);
  const ids = recent.rows.map((r) => r.id);
  if (ids.length === filter.limit) return ids;
  // The window's oldest conversation: everything after it is the rest. None when the window held
  // them all, and then the lateral side below never runs.
  const older = await sql<{ id: string }>`
    with edge as (
      select t.started_at, t.id from conversations t where ${conditions(filter, 't')}
      order by t.started_at desc, t.id desc offset ${RECENT_SEARCH_WINDOW - 1} limit 1),
    found as materialized (
      select x.id, x.started_at from edge e cross join lateral (
        select t.id, t.started_at from conversations t
          where ${conditions(filter, 't')} and (t.started_at, t.id) < (e.started_at, e.id)
            and t.id in (select m.conversation_id from messages m where m.search @@ ${words})
        union
        select s.id, s.started_at from conversations s
          where ${conditions(filter, 's')} and (s.started_at, s.id) < (e.started_at, e.id) and s.summary_search @@ ${words}) x)
    select id from found order by started_at desc, id desc limit ${filter.limit - ids.length}`.execute(db);
  return [...ids, ...older.rows.map((r) => r.id)];
}
