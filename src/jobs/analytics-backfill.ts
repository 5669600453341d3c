import type { Db } from '../storage/database.js';
import { queueConversationAnalysis } from '../storage/job-queue.js';
import { callsWithStaleLatencySummary, conversationsWithoutUsage, refreshCallLatencySummary } from '../storage/usage-repository.js';

/**
 * What `npm run analytics:backfill` does: queues the after-conversation analysis of every finished
 * conversation that has none (recorded before it existed), and brings the calls rolled up before
 * the days kept greeting latency and barge-ins up to their records at once (no model call: their
 * figures are already measured).
 */
export async function backfillAnalytics(db: Db): Promise<{ queued: number; refreshed: number }> {
  const ids = await conversationsWithoutUsage(db);
  for (const id of ids) await queueConversationAnalysis(db, id);
  let refreshed = 0;
  for (const id of await callsWithStaleLatencySummary(db)) if (await refreshCallLatencySummary(db, id)) refreshed += 1;
  return { queued: ids.length, refreshed };
}
