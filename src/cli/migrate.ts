import { prepareSchema } from '../storage/bootstrap.js';
import { runWithDatabase } from './run-with-database.js';

await runWithDatabase(async ({ database }) => {
  const applied = await prepareSchema(database);
  process.stdout.write(
    applied.length === 0 ? 'database schema is up to date\n' : `applied ${applied.length} migration(s): ${applied.join(', ')}\n`,
  );
});
