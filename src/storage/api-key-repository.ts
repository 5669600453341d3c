import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.js';
import type { ApiKeyRole } from './schema.js';

/**
 * Staff API keys: shown once at creation, stored only as a SHA-256 hash (they are long random
 * secrets, so a fast hash is the right tool), with a short prefix to tell them apart in lists.
 */

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
}

export async function createApiKey(
  db: Db,
  spaId: string,
  role: ApiKeyRole,
  name: string,
): Promise<CreatedApiKey> {
  const prefix = randomBytes(4).toString('hex');
  const key = `rk_${prefix}_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('api_keys')
    .values({ spa_id: spaId, role, name, prefix, key_hash: hashApiKey(key) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key, prefix };
}

export interface ApiKeyIdentity {
  keyId: string;
  spaId: string;
  role: ApiKeyRole;
}

export async function findActiveApiKey(db: Db, key: string): Promise<ApiKeyIdentity | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'spa_id', 'role'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { keyId: row.id, spaId: row.spa_id, role: row.role } : undefined;
}

export async function revokeApiKey(db: Db, spaId: string, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('spa_id', '=', spaId)
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Notes when a key was last used (the HTTP layer decides how often that is worth a write). */
export async function recordApiKeyUse(db: Db, keyId: string, at: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', keyId).execute();
}
