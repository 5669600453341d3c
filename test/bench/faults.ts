/**
 * npm run bench:faults — 50 simulated calls against the real service (its own process, the
 * production entry point) while things go wrong: model connections dropped at random (some of
 * them for good, so the call must be handed to people); a model that stays connected but fails
 * responses, for a moment (server errors, short rate limits: retried) or for good (no quota:
 * handed to people); callers talking over a reply that calls a tool that acts (the tool must not
 * run); and Postgres stopped for 10 s in the middle of it all. Reports calls completed or
 * gracefully handed off (target 100 %), conversations with complete records (target 100 %), tools
 * run from responses that did not complete (target 0) and service process restarts (target 0).
 *
 * Every new model connection is caused by a call's webhook or by a drop we made, and those are
 * serialised, so each connection is known to belong to one call; the caller's lines carry the
 * call's id, so the record of each call can be checked line by line afterwards.
 *
 * Then a provider outage (provider-outage.ts): OpenAI refuses every session for 20 s and calls
 * must complete on Gemini Live, the fallback; reported: how many switched, the longest silence.
 *
 * Options (environment): BENCH_CALLS (50), BENCH_CONCURRENCY (10), BENCH_SEED, BENCH_DB_OUTAGE_S (10),
 * BENCH_PROVIDER_OUTAGE_S (20), BENCH_OUTAGE_CALLS (30), BENCH_ONLY=provider-outage (that part alone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { prepareSchema } from '../../src/storage/bootstrap.js';
import { connect } from '../../src/storage/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/storage/embedded-postgres.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { once } from 'node:events';
import { FAILURES, FakeRealtimeServer, type FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import { FakeTwilioCall, postSignedForm } from '../doubles/fake-twilio.js';
import { freePort } from '../support/free-port.js';
import { runProviderOutage } from './provider-outage.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const OUTAGE_MS = Number(process.env.BENCH_DB_OUTAGE_S ?? 10) * 1000;
const TURNS = 4;
const PUBLIC_BASE_URL = 'https://receptionist.bench';
const AUTH_TOKEN = 'bench-twilio-auth-token';
const ACCOUNT = `AC${'0'.repeat(32)}`;

const print = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic, so a failing run can be repeated (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const seed = Number(process.env.BENCH_SEED ?? Date.now() % 100_000);
const random = rng(seed);

/** Hands each new model connection to whoever is waiting for one, one at a time. */
class ConnectionClaims {
  private waiting: ((connection: FakeRealtimeConnection) => void) | undefined;
  private lock: Promise<void> = Promise.resolve();

  constructor(realtime: FakeRealtimeServer) {
    realtime.configure = (connection) => {
      const claim = this.waiting;
      this.waiting = undefined;
      if (claim) claim(connection);
      else print(`  warning: a model connection nobody was waiting for`);
    };
  }

  /** Runs `cause` (which makes the service open one connection) and returns that connection. */
  async claim(cause: () => Promise<unknown> | void, timeoutMs: number, after: () => void = () => {}): Promise<FakeRealtimeConnection | undefined> {
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      const arrived = new Promise<FakeRealtimeConnection>((resolve) => (this.waiting = resolve));
      await cause();
      return await Promise.race([arrived, sleep(timeoutMs).then(() => undefined)]);
    } finally {
      this.waiting = undefined;
      after();
      release();
    }
  }
}

interface CallResult {
  callSid: string;
  outcome: 'completed' | 'handed-off' | 'failed';
  detail: string;
  callerLines: string[];
  drops: number;
  /** Every model connection the call had: what each response ended as, and its tool call. */
  connections: FakeRealtimeConnection[];
}

class Service {
  private child: ChildProcess | undefined;
  restarts = 0;
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly logPath: string,
    readonly baseUrl: string,
  ) {}

  async start(): Promise<void> {
    const log = createWriteStream(this.logPath, { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      this.restarts += 1;
      print(`  SERVICE EXITED (code ${code}, signal ${signal}); restarting`);
      void this.start();
    });
    for (let i = 0; i < 300; i += 1) {
      try {
        if ((await fetch(`${this.baseUrl}/healthz`)).ok) return;
      } catch {
        // not yet
      }
      await sleep(100);
    }
    throw new Error('the service did not start');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function runCall(
  index: number,
  context: { baseUrl: string; claims: ConnectionClaims; realtime: FakeRealtimeServer; dropPlan: DropPlan; faultPlan: ModelFaultPlan },
): Promise<CallResult> {
  const call = new FakeTwilioCall({ baseUrl: context.baseUrl, publicBaseUrl: PUBLIC_BASE_URL, authToken: AUTH_TOKEN, from: `+1202555${String(1000 + index).padStart(4, '0')}` });
  const tag = call.callSid.slice(-6);
  const callerLines: string[] = [];
  const connections: FakeRealtimeConnection[] = [];
  const result = (outcome: CallResult['outcome'], detail: string, drops = 0): CallResult => ({ callSid: call.callSid, outcome, detail, callerLines, drops, connections });

  let model = await context.claims.claim(() => call.ring(), 5_000);
  if (!call.stream) return result('failed', `no stream in the TwiML: ${call.twiml.slice(0, 120)}`);
  if (!model) return result('failed', 'no model connection for the call');
  connections.push(model);
  script(model, tag, 0);
  await call.connect();
  let drops = 0;
  let turn = 0;

  // The conversation: greeting, then the caller's turns, each answered; the last reply ends the call.
  const closed = new Promise<number>((resolve) => call.once('closed', resolve));
  const waitForReplyAudio = async (heardBefore: number) => {
    const outcome = await Promise.race([
      call.waitFor(() => call.heardMs() >= heardBefore + 300 && call.idle, 12_000, 'a reply').then(() => 'heard' as const),
      closed.then(() => 'closed' as const),
    ]).catch(() => 'silence' as const);
    return outcome;
  };

  let heard = await waitForReplyAudio(0);
  while (heard === 'heard' && turn < TURNS) {
    await sleep(300 + random() * 700);
    const plannedDrop = context.dropPlan.next();
    if (plannedDrop) {
      drops += 1;
      const current: FakeRealtimeConnection = model;
      // Inside the claim, so no other call's connection is refused by it.
      const replacement = await context.claims.claim(
        () => {
          context.realtime.refuseConnections = plannedDrop === 'for-good' ? 1_000 : plannedDrop === 'slow' ? 2 : 0;
          current.drop();
        },
        plannedDrop === 'for-good' ? 6_000 : 8_000,
        () => {
          context.realtime.refuseConnections = 0;
        },
      );
      if (!replacement) break; // handed over to people (checked below)
      model = replacement;
      connections.push(model);
      script(model, tag, turn);
      heard = await waitForReplyAudio(call.heardMs());
      if (heard !== 'heard') break;
      continue;
    }
    turn += 1;
    const line = `[${tag}] caller turn ${turn}`;
    callerLines.push(line);
    const before = call.heardMs();
    const fault = context.faultPlan.next();
    if (fault === 'transient') model.failResponses = { count: 1 + Math.floor(random() * 2), error: random() < 0.5 ? FAILURES.serverError : FAILURES.rateLimited };
    if (fault === 'persistent') model.failResponses = { count: Infinity, error: FAILURES.insufficientQuota };
    if (fault === 'barge-in-over-tool') {
      // The reply says it will take a message and calls take_message; the caller talks over it before it completes.
      model.replies.unshift({
        text: `[${tag}] Let me take a message for the team.`,
        audioMs: 600,
        toolCall: { name: 'take_message', arguments: { name: 'Bench Caller', reason: `[${tag}] please call me back` } },
        doneAfterMs: 3_000,
      });
      const argumentsDone = once(model, 'arguments-done');
      model.speechStarted();
      await model.callerTurn({ transcript: line });
      const done = await Promise.race([argumentsDone.then(() => true), sleep(8_000).then(() => false)]);
      if (!done) return result('failed', `no tool call to talk over (turn ${turn})`, drops);
      const again = `[${tag}] caller turn ${turn}, talking over`;
      callerLines.push(again);
      model.speechStarted();
      await model.callerTurn({ transcript: again });
    } else {
      model.speechStarted();
      await model.callerTurn({ transcript: line });
    }
    heard = await waitForReplyAudio(before);
  }

  const code = await Promise.race([closed, sleep(15_000).then(() => -1)]);
  if (code === -1) {
    call.hangUp();
    return result('failed', `call did not end (turn ${turn}, last wait: ${heard})`, drops);
  }
  const action = await postSignedForm(context.baseUrl, PUBLIC_BASE_URL, AUTH_TOKEN, '/twilio/voice/stream-ended', { CallSid: call.callSid, AccountSid: ACCOUNT });
  if (turn >= TURNS && /^<\?xml[^>]*><Response><Hangup\/><\/Response>$/.test(action.body)) return result('completed', 'goodbye heard', drops);
  if (/<Dial |<Record /.test(action.body)) return result('handed-off', 'to the front desk or voicemail', drops);
  return result('failed', `ended after turn ${turn} with ${action.body.slice(0, 160)}`, drops);
}

/** What one model connection says: the greeting, then answers; the reply to the last turn says goodbye and ends the call. */
function script(connection: FakeRealtimeConnection, tag: string, turnsSoFar: number): void {
  connection.defaultReply = { text: `[${tag}] Of course, I can help with that.`, audioMs: 600 };
  if (turnsSoFar === 0) connection.replies.push({ text: `[${tag}] Hello, this is Ava.`, audioMs: 600 });
  else connection.replies.push({ text: `[${tag}] Thanks for holding.`, audioMs: 600 });
  for (let turn = turnsSoFar + 1; turn < TURNS; turn += 1) connection.replies.push({ text: `[${tag}] Sure, noted.`, audioMs: 600 });
  connection.replies.push({ text: `[${tag}] Thank you for calling, goodbye!`, audioMs: 600, toolCall: { name: 'end_call', arguments: {} } });
}

type ModelFault = 'transient' | 'persistent' | 'barge-in-over-tool';

/** Of the turns without a drop: some replies fail for a moment, a few for good, some calling a tool are talked over. */
class ModelFaultPlan {
  counts = { transient: 0, persistent: 0, 'barge-in-over-tool': 0 };
  next(): ModelFault | undefined {
    const r = random();
    const fault: ModelFault | undefined = r < 0.12 ? 'transient' : r < 0.15 ? 'persistent' : r < 0.27 ? 'barge-in-over-tool' : undefined;
    if (fault) this.counts[fault] += 1;
    return fault;
  }
}

type Drop = 'quick' | 'slow' | 'for-good';

/** About 40 % of turns see a drop: most recover at once, some slowly (hold prompt), a few never. */
class DropPlan {
  counts = { quick: 0, slow: 0, 'for-good': 0 };
  next(): Drop | undefined {
    const r = random();
    const drop: Drop | undefined = r < 0.18 ? 'quick' : r < 0.3 ? 'slow' : r < 0.34 ? 'for-good' : undefined;
    if (drop) this.counts[drop] += 1;
    return drop;
  }
}

async function checkRecord(
  db: Awaited<ReturnType<typeof connect>>,
  result: CallResult,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('voice_call_details as v')
    .innerJoin('conversations as c', 'c.id', 'v.conversation_id')
    .select(['c.id', 'c.status', 'v.ended_at', 'v.ended_by'])
    .where('v.call_sid', '=', result.callSid)
    .executeTakeFirst();
  if (!row) return 'no conversation';
  if (!row.ended_at || !row.ended_by) return `end of call not recorded (status ${row.status})`;
  const messages = await db.selectFrom('messages').select(['seq', 'role', 'text']).where('conversation_id', '=', row.id).orderBy('seq').execute();
  const events = await db.selectFrom('conversation_events').select(['type', 'name']).where('conversation_id', '=', row.id).execute();
  if (!events.some((e) => e.type === 'call_started') || !events.some((e) => e.type === 'call_ended')) return 'call_started/call_ended missing';
  const callerTexts = messages.filter((m) => m.role === 'customer').map((m) => m.text);
  if (JSON.stringify(callerTexts) !== JSON.stringify(result.callerLines))
    return `caller lines ${JSON.stringify(callerTexts)} != sent ${JSON.stringify(result.callerLines)}`;
  if (!messages.some((m) => m.role === 'assistant')) return 'no receptionist line recorded';
  if (result.outcome === 'handed-off' && !events.some((e) => e.name === 'model_unreachable' || e.name === 'setup_failure' || e.name === 'response_failed'))
    return 'hand-over without a reason';
  return undefined;
}

/**
 * Tool results on record whose tool call came in a response the fake ended other than completed,
 * and staff messages the talked-over take_message calls left (there must be none of either).
 */
async function toolsRunFromUnfinishedResponses(db: Awaited<ReturnType<typeof connect>>, results: CallResult[]): Promise<string[] & { dropped: number }> {
  const unfinished = new Map<string, string>();
  for (const connection of results.flatMap((r) => r.connections))
    for (const response of connection.responsesSent) if (response.callId && response.status !== 'completed') unfinished.set(response.callId, response.status);
  const found: string[] = [];
  const ran = await db.selectFrom('conversation_events').select(['name', 'data']).where('type', '=', 'tool_result').execute();
  for (const event of ran) {
    const callId = (event.data as { callId?: string }).callId;
    if (callId && unfinished.has(callId)) found.push(`${event.name} (${callId}, response ${unfinished.get(callId)})`);
  }
  const messages = await db.selectFrom('staff_messages').select(['reason']).execute();
  for (const message of messages) if (/please call me back/.test(message.reason ?? '')) found.push(`take_message left a staff message: ${message.reason}`);
  const dropped = await db.selectFrom('conversation_events').select((eb) => eb.fn.countAll<string>().as('n')).where('type', '=', 'tool_call_dropped').executeTakeFirst();
  return Object.assign(found, { dropped: Number(dropped?.n ?? 0) });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'receptionist-faults-'));
  await chmod(dir, 0o755);
  const pgPort = await freePort();
  const pgLog = pino({ level: 'warn' });
  let postgres: EmbeddedPostgresServer = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, logger: pgLog });
  await postgres.ensureDatabase('faults');
  const url = postgres.urlFor('faults');
  const db = await connect(url);
  await prepareSchema({ db, url });
  await seedSpa(db, await loadDemoSpaCatalog());

  const realtime = await FakeRealtimeServer.start();
  const claims = new ConnectionClaims(realtime);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = path.join(dir, 'service.log');
  const serviceEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL,
      DATABASE_URL: url,
      DATA_DIR: path.join(dir, 'data'),
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_REALTIME_URL: realtime.url,
      OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      ENCRYPTION_KEY: 'a'.repeat(64),
      // Drops are made one at a time, so a caller may wait its turn in silence for a while; that
      // is the bench's doing, not a silent caller to prompt (idle handling has its own tests).
      IDLE_PROMPT_SECONDS: '300',
      SHUTDOWN_DRAIN_SECONDS: '5',
      SHUTDOWN_WRAP_UP_SECONDS: '2',
  };
  const outageScenario = async (): Promise<boolean> => {
    print('');
    return runProviderOutage({
      db,
      publicBaseUrl: PUBLIC_BASE_URL,
      authToken: AUTH_TOKEN,
      account: ACCOUNT,
      print,
      startService: async (env) => {
        const outagePort = await freePort();
        const outageService = new Service({ ...serviceEnv, ...env, PORT: String(outagePort) }, path.join(dir, 'service-provider-outage.log'), `http://127.0.0.1:${outagePort}`);
        await outageService.start();
        return { baseUrl: outageService.baseUrl, stop: () => outageService.stop() };
      },
    });
  };
  if (process.env.BENCH_ONLY === 'provider-outage') {
    const ok = await outageScenario();
    await realtime.close();
    await db.destroy();
    await postgres.stop();
    if (ok) await rm(dir, { recursive: true, force: true });
    process.exit(ok ? 0 : 1);
  }
  const service = new Service(serviceEnv, logPath, baseUrl);
  await service.start();
  print(`bench:faults — ${CALLS} calls, ${CONCURRENCY} at a time, seed ${seed}; service log ${logPath}`);

  const dropPlan = new DropPlan();
  const faultPlan = new ModelFaultPlan();
  const results: CallResult[] = [];
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < CALLS) {
      const index = next++;
      results.push(await runCall(index, { baseUrl, claims, realtime, dropPlan, faultPlan }).catch((error: unknown) => ({
        callSid: `call-${index}`,
        outcome: 'failed' as const,
        detail: error instanceof Error ? error.message : String(error),
        callerLines: [],
        drops: 0,
        connections: [],
      })));
    }
  };

  // The database goes away for OUTAGE_MS a third of the way in, while calls are live and arriving.
  const outage = (async () => {
    await sleep(12_000);
    print(`  ${((Date.now() - started) / 1000).toFixed(0)} s: stopping Postgres for ${OUTAGE_MS / 1000} s`);
    await postgres.stop();
    const readyDuring = await fetch(`${baseUrl}/readyz`).then(async (r) => `${r.status} ${await r.text()}`).catch((e: unknown) => String(e));
    await sleep(OUTAGE_MS);
    postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, logger: pgLog });
    print(`  ${((Date.now() - started) / 1000).toFixed(0)} s: Postgres is back (during the outage /readyz said: ${readyDuring.slice(0, 200)})`);
  })();

  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), outage]);
  const elapsed = (Date.now() - started) / 1000;

  // Records are written behind the calls (and wait out the outage): give the flush a moment.
  let incomplete: { result: CallResult; problem: string }[] = [];
  for (let attempt = 0; attempt < 30; attempt += 1) {
    incomplete = [];
    for (const result of results) {
      const problem = result.callSid.startsWith('CA') ? await checkRecord(db, result).catch((e: unknown) => String(e)) : 'call never started';
      if (problem) incomplete.push({ result, problem });
    }
    if (incomplete.length === 0) break;
    await sleep(1_000);
  }

  const completed = results.filter((r) => r.outcome === 'completed').length;
  const handedOff = results.filter((r) => r.outcome === 'handed-off').length;
  const failed = results.filter((r) => r.outcome === 'failed');
  const drops = results.reduce((sum, r) => sum + r.drops, 0);
  const toolsFromUnfinished = await toolsRunFromUnfinishedResponses(db, results);
  await service.stop();
  await realtime.close();

  print('');
  print(`| measure | result | target |`);
  print(`|---|---|---|`);
  print(`| calls completed or gracefully handed off | ${completed + handedOff} / ${results.length} (${completed} completed, ${handedOff} handed to people) | 100 % |`);
  print(`| conversations with complete records | ${results.length - incomplete.length} / ${results.length} | 100 % |`);
  print(`| tools run from responses that did not complete | ${toolsFromUnfinished.length} (of ${toolsFromUnfinished.dropped} tool calls dropped) | 0 |`);
  print(`| service process restarts | ${service.restarts} | 0 |`);
  print('');
  print(`model drops: ${drops} (${dropPlan.counts.quick} reconnected at once, ${dropPlan.counts.slow} after the hold prompt, ${dropPlan.counts['for-good']} never); database outage ${OUTAGE_MS / 1000} s; ${elapsed.toFixed(0)} s in all`);
  print(
    `model faults: ${faultPlan.counts.transient} turns with failed responses retried, ${faultPlan.counts.persistent} with a model refusing for good, ${faultPlan.counts['barge-in-over-tool']} callers talking over a reply calling take_message`,
  );
  for (const t of toolsFromUnfinished) print(`  tool run from an unfinished response: ${t}`);
  for (const f of failed) {
    const row = await db
      .selectFrom('voice_call_details as v')
      .select(['v.ended_by', 'v.conversation_id'])
      .where('v.call_sid', '=', f.callSid)
      .executeTakeFirst()
      .catch(() => undefined);
    const events = row
      ? (await db.selectFrom('conversation_events').select(['type', 'name']).where('conversation_id', '=', row.conversation_id).orderBy('seq').execute())
          .map((e) => (e.name ? `${e.type}:${e.name}` : e.type))
          .join(' ')
      : '';
    print(`  failed ${f.callSid}: ${f.detail} (ended by ${row?.ended_by ?? '?'}; ${events})`);
  }
  for (const i of incomplete) print(`  incomplete record ${i.result.callSid}: ${i.problem}`);
  const outageOk = await outageScenario();
  await db.destroy();
  await postgres.stop();
  const ok = outageOk && failed.length === 0 && incomplete.length === 0 && service.restarts === 0 && toolsFromUnfinished.length === 0;
  if (ok) await rm(dir, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

await main();
