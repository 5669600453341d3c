import type { Logger } from 'pino';
import type { DatabaseHandle } from './database.js';
import { migrateJobQueue } from './job-queue.js';
import { migrateToLatest } from './migrations.js';
import { loadDemoSpaCatalog, seedSpa } from './seed.js';

/** Our migrations and the job queue's own. Returns the names of ours applied now. */
export async function prepareSchema(handle: Pick<DatabaseHandle, 'db' | 'url'>): Promise<string[]> {
  const applied = await migrateToLatest(handle.db);
  await migrateJobQueue(handle.url);
  return applied;
}

/** Start-up work on the database: migrations always; the demo spa on a fresh embedded database. */
export async function prepareDatabase(handle: DatabaseHandle, logger: Logger): Promise<void> {
  const applied = await prepareSchema(handle);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  if (!handle.embedded) return;
  const anySpa = await handle.db.selectFrom('spas').select('id').limit(1).executeTakeFirst();
  if (anySpa) return;
  const result = await seedSpa(handle.db, await loadDemoSpaCatalog());
  logger.info({ spaId: result.spaId }, 'demo spa seeded');
}
