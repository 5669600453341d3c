import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';

t.test("a key's lastUsedAt is written on use, at most once a minute", async (t) => {
  let now = new Date('2026-12-01T15:00:00Z');
  const { app, database, demoSpaId } = await buildTestApp(t, {}, { now: () => now });
  const owner = await createApiKey(database.db, demoSpaId, 'owner', 'owner');
  const lastUsed = async () => {
    await app.fastify.apiKeyUsage.written();
    const row = await database.db.selectFrom('api_keys').select('last_used_at').where('id', '=', owner.id).executeTakeFirstOrThrow();
    return row.last_used_at?.toISOString() ?? null;
  };
  const use = async () => {
    const res = await app.fastify.inject({ method: 'GET', url: '/api/v1/calls/live', headers: { authorization: `Bearer ${owner.key}` } });
    t.equal(res.statusCode, 200);
  };
  t.equal(await lastUsed(), null, 'never used');

  await use();
  t.equal(await lastUsed(), '2026-12-01T15:00:00.000Z', 'the first use is written');

  now = new Date('2026-12-01T15:00:40Z');
  for (let i = 0; i < 5; i += 1) await use();
  t.equal(await lastUsed(), '2026-12-01T15:00:00.000Z', 'uses within the minute write nothing');

  now = new Date('2026-12-01T15:01:05Z');
  await use();
  t.equal(await lastUsed(), '2026-12-01T15:01:05.000Z', 'the next use a minute on is written');

  const listed = await app.fastify.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${owner.key}` } });
  t.equal(listed.json().data.find((k: { id: string }) => k.id === owner.id).lastUsedAt, '2026-12-01T15:01:05.000Z', 'owners see it');
});
