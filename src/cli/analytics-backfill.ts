import { prepareSchema } from '../storage/bootstrap.js';
import { queueConversationAnalysis } from '../storage/job-queue.js';
import { conversationsWithoutUsage } from '../storage/usage-repository.js';
import { runWithDatabase } from './run-with-database.js';

/**
 * `npm run analytics:backfill`: queues the after-conversation analysis for every finished
 * conversation that has none (recorded before it existed), so the daily rows cover them too.
 * The service's job workers then do the work, a few at a time.
 */
await runWithDatabase(async ({ database }) => {
  await prepareSchema(database);
  const ids = await conversationsWithoutUsage(database.db);
  for (const id of ids) await queueConversationAnalysis(database.db, id);
  process.stdout.write(`queued the analysis of ${ids.length} conversation(s); the running service's workers will pick them up\n`);
});
