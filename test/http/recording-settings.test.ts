import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';

t.test('recording is off until the owner turns it on, and a change to one field keeps the others', async (t) => {
  const test = await buildTestApp(t);
  const owner = await createApiKey(test.database.db, test.demoSpaId, 'owner', 'owner');
  const headers = { authorization: `Bearer ${owner.key}` };
  const read = async () => (await test.app.fastify.inject({ method: 'GET', url: '/api/v1/settings', headers })).json().settings;
  const patch = (settings: object) => test.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers, payload: { settings } });

  t.match(await read(), { recording: { enabled: false, retentionDays: 90 }, transcriptRetentionDays: null });
  t.equal((await patch({ recording: { retentionDays: 30 } })).statusCode, 200);
  t.equal((await patch({ recording: { enabled: true } })).statusCode, 200);
  t.match(await read(), { recording: { enabled: true, retentionDays: 30 } }, 'turning it on kept the retention');
  t.equal((await patch({ transcriptRetentionDays: 365 })).statusCode, 200);
  t.match(await read(), { recording: { enabled: true, retentionDays: 30 }, transcriptRetentionDays: 365 });
  t.equal((await patch({ recording: { retentionDays: 0 } })).statusCode, 400, 'a retention under a day is refused');
  t.equal((await patch({ recording: { volume: 11 } })).statusCode, 400, 'unknown fields are refused');
});
