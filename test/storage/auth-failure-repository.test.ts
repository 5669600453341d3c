import t from 'tap';
import { sql } from 'kysely';
import { countAuthFailure, currentAuthFailures, deleteEndedAuthFailures, uncountAuthFailure } from '../../src/storage/auth-failure-repository.js';
import { pino } from 'pino';
import { cleanUpAuthFailures } from '../../src/jobs/auth-failure-cleanup-task.js';
import { createTestDatabase } from '../support/database.js';

const START = new Date('2026-11-20T09:00:00Z');
const WINDOW_MS = 15 * 60_000;
const at = (ms: number) => new Date(START.getTime() + ms);

t.test('failures counted at the same moment over many connections are all counted', async (t) => {
  const { db } = await createTestDatabase(t);
  const counted = await Promise.all(Array.from({ length: 40 }, () => countAuthFailure(db, 'email', 'owner@example.com', START, WINDOW_MS)));
  t.same(counted.map((c) => c.failures).sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1), 'each saw its own count: none lost, none doubled');
  t.equal((await currentAuthFailures(db, 'email', 'owner@example.com', START))?.failures, 40);
});

t.test('a failure after the window has ended starts a new window at 1', async (t) => {
  const { db } = await createTestDatabase(t);
  await countAuthFailure(db, 'address', '203.0.113.1', START, WINDOW_MS);
  const second = await countAuthFailure(db, 'address', '203.0.113.1', at(WINDOW_MS - 1), WINDOW_MS);
  t.same(second, { failures: 2, windowEndsAt: at(WINDOW_MS) }, 'within the window: the window does not move');
  t.equal(await currentAuthFailures(db, 'address', '203.0.113.1', at(WINDOW_MS)), undefined, 'an ended window is no window');
  const fresh = await countAuthFailure(db, 'address', '203.0.113.1', at(WINDOW_MS + 5), WINDOW_MS);
  t.same(fresh, { failures: 1, windowEndsAt: at(2 * WINDOW_MS + 5) });
});

t.test('a failure counted in advance is taken back only from the window it was counted in', async (t) => {
  const { db } = await createTestDatabase(t);
  await countAuthFailure(db, 'email', 'owner@example.com', START, WINDOW_MS);
  const advance = await countAuthFailure(db, 'email', 'owner@example.com', at(1000), WINDOW_MS);
  await uncountAuthFailure(db, 'email', 'owner@example.com', advance);
  t.equal((await currentAuthFailures(db, 'email', 'owner@example.com', at(2000)))?.failures, 1);
  const late = await countAuthFailure(db, 'email', 'owner@example.com', at(WINDOW_MS - 1), WINDOW_MS);
  await countAuthFailure(db, 'email', 'owner@example.com', at(WINDOW_MS + 1), WINDOW_MS);
  await uncountAuthFailure(db, 'email', 'owner@example.com', late);
  t.equal((await currentAuthFailures(db, 'email', 'owner@example.com', at(WINDOW_MS + 2)))?.failures, 1, 'the new window keeps its failure');
});

t.test('neither the email nor the address is stored, only a hash of it and its kind', async (t) => {
  const { db } = await createTestDatabase(t);
  await countAuthFailure(db, 'email', 'owner@example.com', START, WINDOW_MS);
  await countAuthFailure(db, 'address', '203.0.113.1', START, WINDOW_MS);
  const rows = await sql<{ row: string }>`select t::text as row from auth_failure_counters t`.execute(db);
  t.equal(rows.rows.length, 2);
  for (const { row } of rows.rows) {
    t.notMatch(row, /example|203\.0/, 'no raw key in the row');
    t.match(row, /^\([0-9a-f]{64},/, 'keyed by a SHA-256');
  }
});

t.test('ended counters are deleted by the hourly clean-up, running ones kept', async (t) => {
  const { db } = await createTestDatabase(t);
  await countAuthFailure(db, 'email', 'old@example.com', START, WINDOW_MS);
  await countAuthFailure(db, 'email', 'new@example.com', at(10 * 60_000), WINDOW_MS);
  t.equal(await cleanUpAuthFailures({ db, now: () => at(WINDOW_MS + 1), log: pino({ level: 'silent' }) }), 1, 'the ended one is deleted');
  t.equal((await currentAuthFailures(db, 'email', 'new@example.com', at(WINDOW_MS + 1)))?.failures, 1, 'a running window survives');
  t.equal(await deleteEndedAuthFailures(db, at(WINDOW_MS + 1)), 0, 'the ended one is already gone');
  t.equal(await deleteEndedAuthFailures(db, at(10 * 60_000 + WINDOW_MS)), 1);
});
