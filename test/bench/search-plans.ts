import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { listConversations } from '../../src/storage/conversation-queries.js';
import type { Database } from '../../src/storage/schema.js';

/**
 * `npm run bench:api -- --explain`: the query plans behind the three searches the bench times,
 * with `EXPLAIN (ANALYZE, BUFFERS)`. Shared-buffer counts (hit + read) say how much each search
 * touches and stay put on a busy machine, where timings do not.
 */
export const SEARCHES = [
  { name: 'common words ("lip filler")', text: 'lip filler' },
  { name: 'rare word ("keloid")', text: 'keloid' },
  { name: 'a word in summaries ("billing")', text: 'billing' },
] as const;

export interface SearchPlan {
  name: string;
  /** Every statement the search ran, in order, with its plan. */
  statements: { sql: string; plan: string; sharedHit: number; sharedRead: number }[];
}

/** Runs each search once through the repository, then explains every statement it ran. */
export async function explainSearches(url: string, spaId: string, timezone: string, limit = 50): Promise<SearchPlan[]> {
  const ran: CompiledQuery[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    log: (event) => {
      if (event.level === 'query') ran.push(event.query);
    },
  });
  try {
    const plans: SearchPlan[] = [];
    for (const search of SEARCHES) {
      ran.length = 0;
      await listConversations(db, { spaId, timezone, text: search.text, limit });
      const statements = [...ran];
      const explained = [];
      for (const statement of statements) {
        const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>({
          ...statement,
          sql: `explain (analyze, buffers, costs off, timing off, summary off) ${statement.sql}`,
        });
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        explained.push({ sql: statement.sql, plan, ...topBuffers(plan) });
      }
      plans.push({ name: search.name, statements: explained });
    }
    return plans;
  } finally {
    await db.destroy();
  }
}

/** The plan's top node's buffer line counts everything below it. */
function topBuffers(plan: string): { sharedHit: number; sharedRead: number } {
  const line = plan.split('\n').find((l) => /Buffers: shared/.test(l)) ?? '';
  return { sharedHit: Number(/hit=(\d+)/.exec(line)?.[1] ?? 0), sharedRead: Number(/read=(\d+)/.exec(line)?.[1] ?? 0) };
}
