import { parseArgs } from 'node:util';
import { createApiKey, revokeApiKey } from '../storage/api-key-repository.js';
import { findSpaByIdOrSlug } from '../storage/spa-repository.js';
import { runWithDatabase } from './run-with-database.js';

/**
 * npm run api-key -- --spa <spa id or slug> --role owner|staff [--name "Front desk"]
 * npm run api-key -- --spa <spa> --revoke <key id>
 * The key is printed once; only its hash is stored.
 */
const { values } = parseArgs({
  options: {
    spa: { type: 'string' },
    role: { type: 'string', default: 'staff' },
    name: { type: 'string' },
    revoke: { type: 'string' },
  },
});

await runWithDatabase(async ({ database }) => {
  if (!values.spa) throw new Error('--spa <spa id or slug> is required');
  const spa = await findSpaByIdOrSlug(database.db, values.spa);
  if (!spa) throw new Error(`no spa ${values.spa}`);
  if (values.revoke) {
    const revoked = await revokeApiKey(database.db, spa.id, values.revoke);
    process.stdout.write(revoked ? `revoked key ${values.revoke}\n` : `no active key ${values.revoke} for ${spa.name}\n`);
    return;
  }
  if (values.role !== 'owner' && values.role !== 'staff') throw new Error('--role must be owner or staff');
  const created = await createApiKey(database.db, spa.id, values.role, values.name ?? `${values.role} key`);
  process.stdout.write(
    `${values.role} key for ${spa.name} (id ${created.id}). Shown once, keep it safe:\n${created.key}\n`,
  );
});
