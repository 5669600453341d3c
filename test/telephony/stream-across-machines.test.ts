/**
 * Two machines of the service on one database, as on Fly: a stream token is used once across
 * both, and a stream that lands on the machine that did not answer its webhook is served from
 * what the signed token carries, even while the database is stopped.
 */
import t from 'tap';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { FakeRealtimeServer } from '../doubles/fake-realtime-server.js';
import { FakeTwilioCall } from '../doubles/fake-twilio.js';
import { AUTH_TOKEN, PUBLIC_BASE_URL } from '../support/call-harness.js';
import { createTestDatabase, testDataDir } from '../support/database.js';
import { startStoppablePostgres } from '../support/stoppable-postgres.js';
import { until } from '../support/until.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Machine {
  app: App;
  baseUrl: string;
  logs: string[];
  call(options?: { callSid?: string; from?: string }): FakeTwilioCall;
}

async function startMachine(t: Teardown, database: DatabaseHandle, realtime: FakeRealtimeServer, machineId: string): Promise<Machine> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PUBLIC_BASE_URL,
    DATABASE_URL: database.url,
    DATA_DIR: await testDataDir(t),
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_REALTIME_URL: realtime.url,
    MACHINE_ID: machineId,
  });
  const logs: string[] = [];
  const app = await buildApp({ config, database, logger: pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) }) });
  await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = app.fastify.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.teardown(() => app.close({ drainMs: 0, wrapUpMs: 0 }));
  return {
    app,
    baseUrl,
    logs,
    call: (options = {}) => new FakeTwilioCall({ baseUrl, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, ...options }),
  };
}

async function fakeModel(t: Teardown): Promise<FakeRealtimeServer> {
  const realtime = await FakeRealtimeServer.start();
  realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  t.teardown(() => realtime.close());
  return realtime;
}

t.test('a stream token used on one machine is refused on another', async (t) => {
  const database = await createTestDatabase(t);
  await seedSpa(database.db, await loadDemoSpaCatalog());
  const realtime = await fakeModel(t);
  const a = await startMachine(t, database, realtime, 'machine-a');
  const b = await startMachine(t, database, realtime, 'machine-b');

  const call = a.call();
  await call.dial();
  await call.heardAll(100);
  const replay = b.call({ callSid: call.callSid });
  replay.stream = call.stream;
  await replay.connect();
  t.equal(await replay.closed(), 1008, 'machine B has never seen the token, the database has');
  t.equal(b.app.liveCalls.size, 0);
  t.equal(realtime.connections.length, 1, 'no model session for the replay');
  t.same(await database.db.selectFrom('stream_token_redemptions').select(['call_sid', 'machine_id', 'leg']).execute(), [
    { call_sid: call.callSid, machine_id: 'machine-a', leg: 'new' },
  ]);
  const session = a.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
});

t.test('the same token presented to two machines at once lets exactly one stream in', async (t) => {
  const database = await createTestDatabase(t);
  await seedSpa(database.db, await loadDemoSpaCatalog());
  const realtime = await fakeModel(t);
  const a = await startMachine(t, database, realtime, 'machine-a');
  const b = await startMachine(t, database, realtime, 'machine-b');

  const ringing = a.call();
  await ringing.ring();
  const onA = a.call({ callSid: ringing.callSid });
  const onB = b.call({ callSid: ringing.callSid });
  onA.stream = ringing.stream;
  onB.stream = ringing.stream;
  await Promise.all([onA.connect(), onB.connect()]);
  await until('one of them to be refused', () => onA.closeCode !== undefined || onB.closeCode !== undefined);
  await until('the other to be carried', () => a.app.liveCalls.size + b.app.liveCalls.size === 1);
  t.same([onA.closeCode, onB.closeCode].filter((c) => c !== undefined), [1008]);
  const winner = onA.closeCode === undefined ? { call: onA, app: a.app } : { call: onB, app: b.app };
  const session = winner.app.liveCalls.get(ringing.callSid);
  winner.call.hangUp();
  await session?.done;
});

t.test('a stream that lands on another machine while the database is stopped is served from its token', async (t) => {
  const pg = await startStoppablePostgres(t);
  const realtime = await fakeModel(t);
  const a = await startMachine(t, pg.database, realtime, 'machine-a');
  const b = await startMachine(t, pg.database, realtime, 'machine-b');

  const ringing = a.call({ from: '+12025550161' });
  await ringing.ring();
  t.ok(ringing.stream, 'machine A answered the webhook');
  await realtime.connection(0); // A's model session, opened early for a stream that goes elsewhere

  await pg.stop();
  t.teardown(() => pg.start());
  const call = b.call({ callSid: ringing.callSid, from: ringing.from });
  call.stream = ringing.stream;
  await call.connect();
  const model = await realtime.connection(1, 10_000);
  const update = await model.waitFor('session.update');
  t.match(String((update.session as { instructions?: string }).instructions), /Willow & Oak Medical Spa/, "from B's spa directory");
  await call.heardAll(100, 10_000);
  t.ok(b.app.liveCalls.get(call.callSid), 'machine B carries the call');
  t.ok(
    b.logs.some((l) => /"level":40/.test(l) && /stream token checked on this machine only/.test(l)),
    'the fallback to this machine’s memory is logged',
  );

  await pg.start();
  const session = b.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  await until('B’s writes to reach the database', () => b.app.writes.pending === 0, 20_000);
  const { db } = pg.database;
  t.same(await db.selectFrom('stream_token_redemptions').select(['call_sid', 'machine_id']).execute(), [
    { call_sid: call.callSid, machine_id: 'machine-b' },
  ], 'the redemption is recorded once the database is back');
  const row = await db
    .selectFrom('voice_call_details')
    .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
    .leftJoin('customers', 'customers.id', 'conversations.customer_id')
    .select(['ended_by', 'customers.phone'])
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
  t.match(row, { ended_by: 'caller', phone: '+12025550161' });
  const turns = await db.selectFrom('messages').select('text').where('conversation_id', '=', call.stream!.parameters.conversationId!).execute();
  t.same(turns.map((m) => m.text), ['Hello, this is Ava.']);
});
