import { backfillAnalytics } from '../jobs/analytics-backfill.js';
import { prepareSchema } from '../storage/bootstrap.js';
import { runWithDatabase } from './run-with-database.js';

/**
 * `npm run analytics:backfill`: queues the after-conversation analysis for every finished
 * conversation that has none (recorded before it existed), so the daily rows cover them too, and
 * adds the greeting latency and barge-ins of calls rolled up before the days kept them. The
 * service's job workers do the queued analyses, a few at a time.
 */
await runWithDatabase(async ({ database }) => {
  await prepareSchema(database);
  const { queued, refreshed } = await backfillAnalytics(database.db);
  process.stdout.write(
    `queued the analysis of ${queued} conversation(s); the running service's workers will pick them up\n` +
      `added the greeting latency and barge-ins of ${refreshed} call(s) to their days\n`,
  );
});
