import { prepareSchema } from '../storage/bootstrap.js';
import { loadDemoSpaCatalog, seedSpa } from '../storage/seed.js';
import { runWithDatabase } from './run-with-database.js';

await runWithDatabase(async ({ database }) => {
  await prepareSchema(database);
  const catalog = await loadDemoSpaCatalog();
  const result = await seedSpa(database.db, catalog);
  process.stdout.write(
    result.created
      ? `seeded ${catalog.name} (${result.spaId}), answering on ${catalog.phoneNumbers.join(', ')}\n`
      : `${catalog.name} is already seeded (${result.spaId}); nothing changed\n`,
  );
});
