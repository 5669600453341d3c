import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { voiceConversationId } from '../../src/storage/conversation-ids.js';
import { isConnectivityError } from '../../src/storage/connectivity.js';
import { DEAD_LETTER_FILE } from '../../src/storage/spill-files.js';
import type { WriteOp } from '../../src/storage/write-ops.js';
import { WriteQueue } from '../../src/storage/write-queue.js';
import { fakeCallSid } from '../doubles/fake-twilio.js';
import { startStoppablePostgres } from '../support/stoppable-postgres.js';
import { until as waitUntil } from '../support/until.js';

const pg = await startStoppablePostgres(t);
const { db } = pg.database;
const silent = pino({ level: 'silent' });

interface Teardown {
  teardown(fn: () => unknown): void;
}

async function queueDir(t: Teardown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'write-queue-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startQueue(t: Teardown, dir: string, maxMemoryBytes = 1024 * 1024): Promise<WriteQueue> {
  const queue = new WriteQueue({ db, dir, log: silent, maxMemoryBytes });
  await queue.start();
  t.teardown(() => queue.close(0));
  return queue;
}

const until = (what: string, predicate: () => boolean | Promise<boolean>, ms = 30_000) => waitUntil(what, predicate, ms);

function openCall(callSid = fakeCallSid()): WriteOp & { type: 'open_voice_call' } {
  return {
    type: 'open_voice_call',
    conversationId: voiceConversationId(callSid),
    spaId: pg.demoSpaId,
    callSid,
    from: '+12025550177',
    to: '+12025550100',
    startedAt: new Date().toISOString(),
  };
}

function turn(conversationId: string, streamSid: string, seq: number, text: string): WriteOp {
  return {
    type: 'append_timeline',
    conversationId,
    streamSid,
    messages: [{ seq, role: seq % 2 ? 'assistant' : 'customer', text, interrupted: false, spokenAt: new Date().toISOString() }],
    events: [],
  };
}

/** The end of a stream that handed the call to the front desk. */
function transferred(conversationId: string, streamSid: string): WriteOp {
  const at = new Date().toISOString();
  return {
    type: 'finish_voice_call',
    conversationId,
    streamSid,
    streamStartedAt: at,
    endedAt: at,
    endedBy: 'transfer',
    status: 'transferred',
    transferredTo: '+12025550123',
    greetingLatencyMs: null,
    replyLatenciesMs: [],
    model: 'gpt-realtime',
    usage: {},
    costUsd: 0,
  };
}

/** Messages as the database holds them, in the order they were inserted (ids grow with each insert). */
async function messagesByInsertion(conversationId: string) {
  return db
    .selectFrom('messages')
    .select(['seq', 'text'])
    .where('conversation_id', '=', conversationId)
    .orderBy('id')
    .execute();
}

t.test('writes are applied in the order they were made, and a waiting webhook gets the result', async (t) => {
  const queue = await startQueue(t, await queueDir(t));
  const open = openCall();
  const opened = await queue.submit(open, 5_000);
  t.equal(opened.status, 'applied');
  const customer = await db.selectFrom('customers').select('id').where('phone', '=', '+12025550177').executeTakeFirstOrThrow();
  t.same(opened.status === 'applied' && opened.result, { conversationId: open.conversationId, customerId: customer.id, preferredLanguage: null });
  for (let i = 1; i <= 50; i += 1) queue.enqueue(turn(open.conversationId, 'MZ1', i, `turn ${i}`));
  const last = queue.enqueue({ type: 'apply_call_status', callSid: open.callSid, status: 'completed', durationSeconds: 12, at: new Date().toISOString() });
  t.match(await queue.settled(last), { status: 'applied', result: { known: true } });
  const rows = await messagesByInsertion(open.conversationId);
  t.same(rows.map((r) => r.seq), Array.from({ length: 50 }, (_, i) => i + 1));
  t.same(queue.stats(), { inMemory: 0, onDisk: 0, oldestAgeMs: null, degraded: false, lastError: null, applied: 52, deadLettered: 0 });
});

t.test('applying the same writes again changes nothing, and a stream keeps its place in the timeline', async (t) => {
  const open = openCall();
  const writes: WriteOp[] = [
    open,
    turn(open.conversationId, 'MZfirst', 1, 'Hello, this is Ava.'),
    turn(open.conversationId, 'MZfirst', 2, 'Hi, can I book a facial?'),
    // Only a call whose last leg was a transfer to a number can be re-opened.
    transferred(open.conversationId, 'MZfirst'),
    { type: 'reopen_after_transfer', callSid: open.callSid, dialStatus: 'no-answer', at: new Date().toISOString() },
    turn(open.conversationId, 'MZsecond', 1, 'Nobody could pick up, can I take a message?'),
  ];
  const first = await startQueue(t, await queueDir(t));
  for (const write of writes) first.enqueue(write);
  await until('the first pass', () => first.pending === 0);
  const again = await startQueue(t, await queueDir(t));
  for (const write of writes) again.enqueue(write);
  await until('the second pass', () => again.pending === 0);
  t.equal(again.stats().deadLettered, 0);
  const rows = await db
    .selectFrom('messages')
    .select(['seq', 'text'])
    .where('conversation_id', '=', open.conversationId)
    .orderBy('seq')
    .execute();
  t.same(
    rows.map((r) => [r.seq, r.text]),
    [
      [1, 'Hello, this is Ava.'],
      [2, 'Hi, can I book a facial?'],
      [4, 'Nobody could pick up, can I take a message?'],
    ],
    'the second stream starts after the transfer event at 3, and a replay does not move it',
  );
  const events = await db.selectFrom('conversation_events').select(['seq', 'type']).where('conversation_id', '=', open.conversationId).execute();
  t.same(events, [{ seq: 3, type: 'transfer_unanswered' }], 'the reopen is recorded once');
  t.equal((await db.selectFrom('conversations').select('id').where('id', '=', open.conversationId).execute()).length, 1);
});

t.test('a stream that begins in the same batch as the one before it starts after all of its rows', async (t) => {
  const queue = await startQueue(t, await queueDir(t));
  const open = openCall();
  queue.enqueue(open);
  queue.enqueue(turn(open.conversationId, 'MZa', 1, 'first stream, 1'));
  queue.enqueue(turn(open.conversationId, 'MZa', 2, 'first stream, 2'));
  queue.enqueue(turn(open.conversationId, 'MZb', 1, 'second stream, 1'));
  queue.enqueue(turn(open.conversationId, 'MZb', 2, 'second stream, 2'));
  await until('the batch', () => queue.pending === 0);
  const rows = await db.selectFrom('messages').select(['seq', 'text']).where('conversation_id', '=', open.conversationId).orderBy('seq').execute();
  t.same(
    rows.map((r) => [r.seq, r.text]),
    [
      [1, 'first stream, 1'],
      [2, 'first stream, 2'],
      [3, 'second stream, 1'],
      [4, 'second stream, 2'],
    ],
  );
});

t.test('a write the database refuses goes to the dead-letter file and the writes behind it go on', async (t) => {
  const dir = await queueDir(t);
  const queue = await startQueue(t, dir);
  const open = openCall();
  queue.enqueue(open);
  queue.enqueue(turn(open.conversationId, 'MZ1', 1, 'before'));
  // Postgres text cannot hold a NUL character: a refusal no retry can fix.
  const poison = queue.enqueue(turn(open.conversationId, 'MZ1', 2, 'bad \u0000 byte'));
  queue.enqueue(turn(open.conversationId, 'MZ1', 3, 'after'));
  t.same(await queue.settled(poison), { status: 'dead-lettered' });
  await until('the rest', () => queue.pending === 0);
  t.same((await messagesByInsertion(open.conversationId)).map((r) => r.text), ['before', 'after']);
  const deadLetter = (await readFile(path.join(dir, DEAD_LETTER_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.equal(deadLetter.length, 1);
  t.match(deadLetter[0], { error: /invalid byte sequence|0x00/, op: { type: 'append_timeline', messages: [{ seq: 2 }] } });
  t.equal(queue.stats().deadLettered, 1);
  t.equal(queue.stats().degraded, false);
});

t.test('while the database is away writes wait, go to disk past the memory bound, and land in order when it is back', async (t) => {
  const dir = await queueDir(t);
  const queue = await startQueue(t, dir, 2_000);
  const open = openCall();
  t.equal((await queue.submit(open, 5_000)).status, 'applied');
  await pg.stop();
  t.teardown(() => pg.start());
  const first = await queue.submit(turn(open.conversationId, 'MZ1', 1, 'turn 1'), 5_000);
  t.same(first, { status: 'pending' }, 'a waiting webhook is let go once the database is found unreachable');
  t.equal(queue.stats().degraded, true);
  t.match(queue.stats().lastError, /ECONNREFUSED|connect|terminat/i);
  for (let i = 2; i <= 120; i += 1) queue.enqueue(turn(open.conversationId, 'MZ1', i, `turn ${i}`));
  const finish = queue.enqueue({ type: 'apply_call_status', callSid: open.callSid, status: 'completed', durationSeconds: 30, at: new Date().toISOString() });
  const stats = queue.stats();
  t.ok(stats.inMemory > 0 && stats.onDisk > 0, `some in memory (${stats.inMemory}), the rest on disk (${stats.onDisk})`);
  t.equal(stats.inMemory + stats.onDisk, 121);
  await until('the spill file', async () => (await readdir(dir)).some((f) => f.startsWith('ops-')));
  const submitted = await queue.submit(turn(open.conversationId, 'MZ1', 121, 'turn 121'), 5_000);
  t.same(submitted, { status: 'pending' }, 'while degraded a webhook does not wait at all');

  await pg.start();
  t.match(await queue.settled(finish), { status: 'applied', result: { known: true } });
  await until('everything', () => queue.pending === 0);
  const rows = await messagesByInsertion(open.conversationId);
  t.same(rows.map((r) => r.seq), Array.from({ length: 121 }, (_, i) => i + 1), 'inserted in the order they were made, once each');
  await until('spill files to be removed once applied', async () => (await readdir(dir)).every((f) => !f.startsWith('ops-')));
  t.equal(queue.stats().degraded, false);
});

t.test('writes left on disk by a process that stopped are applied, first, at the next start', async (t) => {
  const dir = await queueDir(t);
  const open = openCall();
  const before = new WriteQueue({ db, dir, log: silent, maxMemoryBytes: 1_000 });
  await before.start();
  await pg.stop();
  t.teardown(() => pg.start());
  before.enqueue(open);
  for (let i = 1; i <= 30; i += 1) before.enqueue(turn(open.conversationId, 'MZ1', i, `turn ${i}`));
  await until('the queue to find the database away', () => before.stats().degraded);
  const waiting = before.settled(before.enqueue(turn(open.conversationId, 'MZ1', 31, 'turn 31')));
  await before.close(5_000);
  t.same(await waiting, { status: 'pending' }, 'close lets every waiter go');
  before.enqueue(turn(open.conversationId, 'MZ1', 32, 'turn 32 (after close)'));
  const files = (await readdir(dir)).filter((f) => f.startsWith('ops-')).sort();
  t.ok(files.length >= 2, `saved in ${files.length} files`);

  await pg.start();
  const after = await startQueue(t, dir);
  t.equal(after.stats().onDisk, 33, 'the next start finds all of them');
  const next = after.enqueue(turn(open.conversationId, 'MZ1', 33, 'turn 33 (new run)'));
  t.match(await after.settled(next), { status: 'applied' });
  const rows = await messagesByInsertion(open.conversationId);
  t.same(rows.map((r) => r.seq), Array.from({ length: 33 }, (_, i) => i + 1));
  await until('spill files to be removed once applied', async () => (await readdir(dir)).every((f) => !f.startsWith('ops-')));
});

t.test('spill files are the service user\'s alone, sealed with ENCRYPTION_KEY, and read back by the next run', async (t) => {
  const dir = path.join(await queueDir(t), 'queue');
  const encryptionKey = Buffer.alloc(32, 7);
  const open = openCall();
  const before = new WriteQueue({ db, dir, log: silent, maxMemoryBytes: 1_000, encryptionKey });
  await before.start();
  await pg.stop();
  t.teardown(() => pg.start());
  before.enqueue(open);
  for (let i = 1; i <= 10; i += 1) before.enqueue(turn(open.conversationId, 'MZ1', i, `my number is +12025550177, turn ${i}`));
  await until('the queue to find the database away', () => before.stats().degraded);
  await before.close(1_000);
  t.equal((await stat(dir)).mode & 0o777, 0o700, 'the folder is 0700');
  const files = (await readdir(dir)).filter((f) => f.startsWith('ops-'));
  t.ok(files.length > 0, 'the writes wait on disk');
  for (const file of files) {
    t.equal((await stat(path.join(dir, file))).mode & 0o777, 0o600, `${file} is 0600`);
    const text = await readFile(path.join(dir, file), 'utf8');
    t.notMatch(text, /2025550177|turn 1/, 'no number or words in the clear');
  }
  await pg.start();
  const after = new WriteQueue({ db, dir, log: silent, maxMemoryBytes: 1_000, encryptionKey });
  await after.start();
  t.teardown(() => after.close(0));
  await until('everything', () => after.pending === 0);
  t.same((await messagesByInsertion(open.conversationId)).map((r) => r.seq), Array.from({ length: 10 }, (_, i) => i + 1), 'applied in order');
});

t.test('a damaged line in a spill file is set aside and the good ones are applied', async (t) => {
  const dir = await queueDir(t);
  const open = openCall();
  const line = (n: number, op: WriteOp) => `${JSON.stringify({ n, at: new Date().toISOString(), op })}\n`;
  await writeFile(
    path.join(dir, 'ops-000000000000001.jsonl'),
    line(1, open) +
      '{"n":2,"at":"not a time","op":{}}\n' +
      line(3, turn(open.conversationId, 'MZ1', 1, 'kept')) +
      line(4, { type: 'no_such_write' } as unknown as WriteOp) +
      '{"n":5,"at":"2026-11-2', // a process that died mid-append
  );
  const queue = await startQueue(t, dir);
  await until('the file', () => queue.pending === 0);
  t.same((await messagesByInsertion(open.conversationId)).map((r) => r.text), ['kept']);
  const deadLetter = (await readFile(path.join(dir, DEAD_LETTER_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.equal(deadLetter.length, 3);
  t.match(deadLetter, [{ text: /not a time/ }, { text: /2026-11-2$/ }, { error: /not a valid write/, op: { type: 'no_such_write' } }]);
  t.equal(queue.stats().deadLettered, 3);
});

t.test('connection failures are told apart from refusals', async (t) => {
  t.ok(isConnectivityError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })));
  t.ok(isConnectivityError(new Error('Connection terminated unexpectedly')));
  t.ok(isConnectivityError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })));
  t.ok(isConnectivityError(Object.assign(new Error('the database system is starting up'), { code: '57P03' })));
  t.ok(isConnectivityError(Object.assign(new Error('deadlock detected'), { code: '40P01' })));
  t.notOk(isConnectivityError(Object.assign(new Error('duplicate key'), { code: '23505' })));
  t.notOk(isConnectivityError(Object.assign(new Error('invalid byte sequence'), { code: '22021' })));
  t.notOk(isConnectivityError(new TypeError('x is not a function')));
});
