import { sql } from 'kysely';
import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { RECENT_SEARCH_WINDOW } from '../../src/storage/conversation-search.js';
import { buildTestApp } from '../support/app.js';

/**
 * Search looks through the newest RECENT_SEARCH_WINDOW conversations first and takes the rest of a
 * short page from the full-text indexes; the answer must be the same as one newest-first walk.
 */
const TOTAL = RECENT_SEARCH_WINDOW * 2 + 500;
const NEWEST = Date.parse('2026-11-30T12:00:00Z');

/** Conversation i (1 = newest) started i minutes before NEWEST; every fifth is a text thread. */
const startedAt = (i: number) => new Date(NEWEST - i * 60_000).toISOString();

async function setup(t: Parameters<typeof buildTestApp>[0]) {
  const test = await buildTestApp(t);
  const db = test.database.db;
  await sql`
    insert into conversations (spa_id, channel, status, started_at, last_activity_at, summary)
    select ${test.demoSpaId}, case when i % 5 = 0 then 'sms' else 'voice' end, 'completed',
      ${new Date(NEWEST).toISOString()}::timestamptz - make_interval(mins => i), ${new Date(NEWEST).toISOString()}::timestamptz - make_interval(mins => i),
      'A patient asked about prices.'
    from generate_series(1, ${TOTAL}) i`.execute(db);
  await sql`
    insert into messages (conversation_id, seq, role, text, spoken_at)
    select c.id, s, case when s = 1 then 'assistant' else 'customer' end,
      case when s = 1 then 'Thank you for calling, this is Ava.' else 'How much is lip filler?' end, c.started_at
    from conversations c, generate_series(1, 2) s where c.spa_id = ${test.demoSpaId}`.execute(db);
  const id = async (i: number) =>
    (await db.selectFrom('conversations').select('id').where('spa_id', '=', test.demoSpaId).where('started_at', '=', new Date(startedAt(i))).executeTakeFirstOrThrow()).id;
  const mention = async (i: number) => {
    await sql`update messages set text = 'I have a keloid scar, can you treat it?' where conversation_id = ${await id(i)} and seq = 2`.execute(db);
    return id(i);
  };
  const key = (await createApiKey(db, test.demoSpaId, 'staff', 'front desk')).key;
  const get = async (query: string) => {
    const res = await test.app.fastify.inject({ method: 'GET', url: `/api/v1/conversations?${query}`, headers: { authorization: `Bearer ${key}` } });
    if (res.statusCode !== 200) throw new Error(`${query}: HTTP ${res.statusCode} ${res.body}`);
    return res.json() as { data: { id: string; channel: string }[]; nextCursor: string | null };
  };
  return { ...test, db, id, mention, get };
}

t.test('a rare word only in conversations older than the search window is still found, newest first, page after page', async (t) => {
  const s = await setup(t);
  // One mention inside the window, the rest well past it; one of those only in its summary.
  const recent = await s.mention(7);
  const old = [await s.mention(RECENT_SEARCH_WINDOW + 3), await s.mention(RECENT_SEARCH_WINDOW + 250)];
  const bySummary = await s.id(RECENT_SEARCH_WINDOW + 400);
  await s.db.updateTable('conversations').set({ summary: 'Asked whether a keloid can be treated.' }).where('id', '=', bySummary).execute();
  const oldest = await s.mention(TOTAL - 1);

  const first = await s.get('q=keloid&limit=3');
  t.same(first.data.map((c) => c.id), [recent, old[0], old[1]], 'the window’s match, then the older ones, newest first');
  t.ok(first.nextCursor, 'a full page has a next page');
  const second = await s.get(`q=keloid&limit=3&cursor=${first.nextCursor}`);
  t.same(second.data.map((c) => c.id), [bySummary, oldest], 'page two carries on from the cursor: summaries and transcripts');
  t.equal(second.nextCursor, null, 'a short page is the last');

  const all = await s.get('q=keloid&limit=50');
  t.same(all.data.map((c) => c.id), [recent, ...old, bySummary, oldest], 'one page holds them all in the same order');
});

t.test('filters combine with a rare-word search past the window', async (t) => {
  const s = await setup(t);
  // Conversation i is a text thread when i % 5 = 0; voice otherwise (2,000 voice: more than the window).
  const voice = [await s.mention(RECENT_SEARCH_WINDOW + 301), await s.mention(RECENT_SEARCH_WINDOW + 302)];
  const texts = [await s.mention(RECENT_SEARCH_WINDOW + 300), await s.mention(TOTAL)];

  t.same((await s.get('q=keloid&channel=voice')).data.map((c) => c.id), voice, 'channel, with the older matches taken from the index');
  t.same((await s.get('q=keloid&channel=sms')).data.map((c) => c.id), texts, 'a filter whose conversations all fit in the window');
  const page = await s.get('q=keloid&channel=voice&limit=1');
  t.same((await s.get(`q=keloid&channel=voice&limit=1&cursor=${page.nextCursor}`)).data.map((c) => c.id), [voice[1]], 'cursor and filter together');
  // 09:18–09:20 on Nov 29 in Washington; the oldest thread is from the 28th.
  t.same((await s.get('q=keloid&from=2026-11-29&to=2026-11-29')).data.map((c) => c.id), [texts[0], ...voice], "the spa's day narrows it, newest first");
  t.same((await s.get('q=keloid&from=2026-11-29&to=2026-11-29&channel=voice&limit=1')).data.map((c) => c.id), [voice[0]], 'several filters and a limit at once');
  t.same((await s.get('q=keloid&status=abandoned')).data, [], 'a filter nothing passes finds nothing');

  const other = await seedSpa(s.db, { ...(await loadDemoSpaCatalog()), slug: 'other-spa', name: 'Other Spa', phoneNumbers: ['+13105550100'] });
  await sql`update conversations set spa_id = ${other.spaId} where id = ${voice[0]}`.execute(s.db);
  t.same((await s.get('q=keloid&channel=voice')).data.map((c) => c.id), [voice[1]], "another spa's conversation is not ours to find");
});

t.test('a common word fills the page from the newest conversations, and the cursor walks on', async (t) => {
  const s = await setup(t);
  const first = await s.get('q=lip%20filler&limit=50');
  t.same(first.data.map((c) => c.id), await Promise.all(Array.from({ length: 50 }, (_, i) => s.id(i + 1))));
  const second = await s.get(`q=lip%20filler&limit=50&cursor=${first.nextCursor}`);
  t.same(second.data.map((c) => c.id), await Promise.all(Array.from({ length: 50 }, (_, i) => s.id(i + 51))));
});
