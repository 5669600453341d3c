import { migrateToLatest } from '../storage/migrations.js';
import { loadDemoSpaCatalog, seedSpa } from '../storage/seed.js';
import { runWithDatabase } from './run-with-database.js';

await runWithDatabase(async ({ database }) => {
  await migrateToLatest(database.db);
  const catalog = await loadDemoSpaCatalog();
  const result = await seedSpa(database.db, catalog);
  process.stdout.write(
    result.created
      ? `seeded ${catalog.name} (${result.spaId}), answering on ${catalog.phoneNumbers.join(', ')}\n`
      : `${catalog.name} is already seeded (${result.spaId}); nothing changed\n`,
  );
});
