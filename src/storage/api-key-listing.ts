import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A spa's API keys as owners see them: never the key, nor its hash. */
export async function listApiKeys(db: Kysely<Database>, spaId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'role', 'prefix', 'created_at as createdAt', 'last_used_at as lastUsedAt', 'revoked_at as revokedAt'])
    .where('spa_id', '=', spaId)
    .orderBy('created_at')
    .execute();
}
