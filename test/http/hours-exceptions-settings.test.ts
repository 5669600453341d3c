import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';

t.test('an owner sets holidays and special hours; a bad or repeated date is refused with the field named and nothing saved', async (t) => {
  const test = await buildTestApp(t);
  const owner = await createApiKey(test.database.db, test.demoSpaId, 'owner', 'owner');
  const headers = { authorization: `Bearer ${owner.key}` };
  const read = async () => (await test.app.fastify.inject({ method: 'GET', url: '/api/v1/settings', headers })).json().settings;
  const patch = (settings: object) => test.app.fastify.inject({ method: 'PATCH', url: '/api/v1/settings', headers, payload: { settings } });

  const saved = [
    { date: '2026-12-24', hours: [{ open: '10:00', close: '14:00' }], note: 'Christmas Eve' },
    { date: '2026-12-25', hours: [] },
  ];
  t.equal((await patch({ hoursExceptions: saved })).statusCode, 200);
  t.same((await read()).hoursExceptions, saved);

  const repeated = await patch({ hoursExceptions: [...saved, { date: '2026-12-25', hours: [{ open: '09:00', close: '12:00' }] }] });
  t.equal(repeated.statusCode, 400);
  t.equal(repeated.json().error.message, 'body.settings.hoursExceptions.2.date: 2026-12-25 is already in the list: keep one entry a date');

  const backwards = await patch({ hoursExceptions: [{ date: '2026-12-31', hours: [{ open: '15:00', close: '11:00' }] }] });
  t.equal(backwards.statusCode, 400);
  t.match(backwards.json().error.message, /^body\.settings\.hoursExceptions\.0\.hours\.0: close must be after open$/);
  t.same((await read()).hoursExceptions, saved, 'the refused changes saved nothing');
});
