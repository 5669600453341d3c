import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildTestApp } from '../support/app.js';

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const test = await buildTestApp(t);
  const db = test.database.db;
  const owner = await createApiKey(db, test.demoSpaId, 'owner', 'owner');
  const request = (method: 'GET' | 'PATCH', url: string, payload?: unknown) =>
    test.app.fastify.inject({ method, url, headers: { authorization: `Bearer ${owner.key}` }, ...(payload ? { payload } : {}) });
  return { ...test, db, request };
}

t.test('the spa serves the languages an owner lists, the first being its primary', async (t) => {
  const s = await setup(t);
  const initially = (await s.request('GET', '/api/v1/settings')).json();
  t.match(initially.settings, { language: 'en', languages: ['en'], languageInvitation: null }, 'a spa set up before the list speaks its one language');

  const changed = await s.request('PATCH', '/api/v1/settings', {
    settings: { languages: ['es', 'en'], languageInvitation: 'For English, just speak English.' },
  });
  t.equal(changed.statusCode, 200);
  t.match(changed.json().settings, { languages: ['es', 'en'], language: 'es', languageInvitation: 'For English, just speak English.' });

  const primary = (await s.request('PATCH', '/api/v1/settings', { settings: { language: 'en' } })).json();
  t.match(primary.settings, { language: 'en', languages: ['en', 'es'] }, 'naming a primary language moves it to the front of the list');

  for (const languages of [[], ['en', 'english'], ['en', 'en'], ['xx']]) {
    const refused = await s.request('PATCH', '/api/v1/settings', { settings: { languages } });
    t.equal(refused.statusCode, 400, JSON.stringify(languages));
    t.match(refused.json(), { error: { code: 'VALIDATION_FAILED' } });
  }
  t.match((await s.request('GET', '/api/v1/settings')).json().settings, { languages: ['en', 'es'] }, 'a refused change loses nothing');
});

t.test("staff read and set a patient's preferred language", async (t) => {
  const s = await setup(t);
  const customer = await s.db
    .insertInto('customers')
    .values({ spa_id: s.demoSpaId, phone: '+12025550161', name: 'Lucía Gómez' })
    .returning('id')
    .executeTakeFirstOrThrow();
  t.equal((await s.request('GET', `/api/v1/customers/${customer.id}`)).json().customer.preferredLanguage, null);
  const set = await s.request('PATCH', `/api/v1/customers/${customer.id}`, { preferredLanguage: 'es' });
  t.equal(set.statusCode, 200);
  t.equal(set.json().preferredLanguage, 'es');
  t.equal((await s.request('GET', '/api/v1/customers?q=Luc')).json().data[0].preferredLanguage, 'es');
  t.equal((await s.request('PATCH', `/api/v1/customers/${customer.id}`, { preferredLanguage: 'spanish' })).statusCode, 400);
  t.equal((await s.request('PATCH', `/api/v1/customers/${customer.id}`, { preferredLanguage: null })).json().preferredLanguage, null);
});

t.test('each conversation shows its language, and the list filters by it', async (t) => {
  const s = await setup(t);
  const at = '2026-11-30T15:00:00Z';
  const [spanish, english, unknown] = await s.db
    .insertInto('conversations')
    .values(
      (['es', 'en', null] as const).map((language) => ({ spa_id: s.demoSpaId, channel: 'voice' as const, started_at: at, last_activity_at: at, language })),
    )
    .returning('id')
    .execute();
  const all = (await s.request('GET', '/api/v1/conversations')).json().data as { id: string; language: string | null }[];
  t.same(
    new Map(all.map((c) => [c.id, c.language])),
    new Map([
      [spanish!.id, 'es'],
      [english!.id, 'en'],
      [unknown!.id, null],
    ]),
  );
  const filtered = (await s.request('GET', '/api/v1/conversations?language=es')).json().data as { id: string }[];
  t.same(
    filtered.map((c) => c.id),
    [spanish!.id],
  );
  t.equal((await s.request('GET', `/api/v1/conversations/${spanish!.id}`)).json().conversation.language, 'es');
  t.equal((await s.request('GET', '/api/v1/conversations?language=spanish')).statusCode, 400);
});
