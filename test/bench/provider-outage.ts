/**
 * bench:faults, provider outage: the spa's provider (OpenAI) refuses every session for
 * BENCH_PROVIDER_OUTAGE_S (20) seconds while calls keep coming, and Gemini Live (its double) is
 * the fallback. Every call must complete (greeting, two turns, goodbye) on whichever provider
 * serves it; reported: calls completed, calls that switched provider, calls that heard "one
 * moment, please", and the longest silence any caller heard while waiting for the receptionist
 * (from the stream's start or the end of their own words to the first audio they heard).
 *
 * A call's model connection is found by serialising call set-ups: each call rings and connects
 * while holding a lock, and the first connection that will serve (Gemini's, or OpenAI's once the
 * outage is over) is that call's.
 */
import type { Kysely } from 'kysely';
import { FakeGeminiLiveServer, type FakeGeminiConnection } from '../doubles/fake-gemini-live-server.js';
import { FakeRealtimeServer, type FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import { FakeTwilioCall, postSignedForm, type FakeCallOptions } from '../doubles/fake-twilio.js';
import type { Database } from '../../src/storage/schema.js';

const CALLS = Number(process.env.BENCH_OUTAGE_CALLS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_OUTAGE_CONCURRENCY ?? 8);
const OUTAGE_MS = Number(process.env.BENCH_PROVIDER_OUTAGE_S ?? 20) * 1000;
const TURNS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A caller that notes when audio reached them, so silences can be measured. */
class TimedCall extends FakeTwilioCall {
  readonly audioAt: number[] = [];
  protected override afterMedia(_bytes: number, now: number): void {
    this.audioAt.push(now);
  }
}

type ModelConnection = { kind: 'openai'; c: FakeRealtimeConnection } | { kind: 'gemini'; c: FakeGeminiConnection };

interface OutageCallResult {
  outcome: 'completed' | 'handed-off' | 'failed';
  detail: string;
  callSid: string;
  servedBy: 'openai' | 'gemini' | undefined;
  longestSilenceMs: number;
}

export interface ProviderOutageContext {
  /** Starts the service with these extra environment variables; returns its base URL and a stop function. */
  startService(env: Record<string, string>): Promise<{ baseUrl: string; stop(): Promise<void> }>;
  db: Kysely<Database>;
  publicBaseUrl: string;
  authToken: string;
  account: string;
  print(line: string): void;
}

function scriptOpenAI(c: FakeRealtimeConnection, tag: string): void {
  c.replies.push({ text: `[${tag}] Hello, this is Ava.`, audioMs: 600 });
  for (let turn = 1; turn < TURNS; turn += 1) c.replies.push({ text: `[${tag}] Sure, noted.`, audioMs: 600 });
  c.replies.push({ text: `[${tag}] Thank you for calling, goodbye!`, audioMs: 600, toolCall: { name: 'end_call', arguments: {} } });
}

function scriptGemini(c: FakeGeminiConnection, tag: string): void {
  c.replies.push({ text: `[${tag}] Hello, this is Ava.`, audioMs: 600 });
  for (let turn = 1; turn < TURNS; turn += 1) c.replies.push({ text: `[${tag}] Sure, noted.`, audioMs: 600 });
  c.replies.push({ text: `[${tag}] Thank you for calling, goodbye!`, audioMs: 600, toolCall: { name: 'end_call', args: {} } });
  c.defaultReply = { audioMs: 0 };
}

export async function runProviderOutage(context: ProviderOutageContext): Promise<boolean> {
  const { print } = context;
  const openai = await FakeRealtimeServer.start();
  const gemini = await FakeGeminiLiveServer.start();
  let outageEndsAt = Infinity;
  let waiting: ((connection: ModelConnection) => void) | undefined;
  let refusedSessions = 0;
  openai.configure = (c) => {
    if (performance.now() < outageEndsAt) {
      // "Refuses every session": the session configuration is answered with an error.
      c.refuseSession = true;
      refusedSessions += 1;
      return;
    }
    waiting?.({ kind: 'openai', c });
  };
  gemini.configure = (c) => waiting?.({ kind: 'gemini', c });
  const service = await context.startService({ GEMINI_LIVE_URL: gemini.url, OPENAI_REALTIME_URL: openai.url });
  let lock: Promise<void> = Promise.resolve();

  const runCall = async (index: number): Promise<OutageCallResult> => {
    const options: FakeCallOptions = {
      baseUrl: service.baseUrl,
      publicBaseUrl: context.publicBaseUrl,
      authToken: context.authToken,
      from: `+1202556${String(1000 + index).padStart(4, '0')}`,
    };
    const call = new TimedCall(options);
    const tag = call.callSid.slice(-6);
    const result = (outcome: OutageCallResult['outcome'], detail: string, servedBy?: 'openai' | 'gemini', longestSilenceMs = 0): OutageCallResult => ({
      outcome,
      detail,
      callSid: call.callSid,
      servedBy,
      longestSilenceMs,
    });
    const previous = lock;
    let release = () => {};
    lock = new Promise((resolve) => (release = resolve));
    await previous;
    let model: ModelConnection | undefined;
    let connectedAt: number;
    try {
      const arrived = new Promise<ModelConnection>((resolve) => (waiting = resolve));
      await call.ring();
      if (!call.stream) return result('failed', 'no stream in the TwiML');
      await call.connect();
      connectedAt = performance.now();
      model = await Promise.race([arrived, sleep(10_000).then(() => undefined)]);
    } finally {
      waiting = undefined;
      release();
    }
    if (!model) return result('failed', 'no serving model connection');
    if (model.kind === 'openai') scriptOpenAI(model.c, tag);
    else scriptGemini(model.c, tag);

    // Silence: from each moment the caller waits for us to the first audio after it.
    const waits: number[] = [connectedAt];
    const closed = new Promise<void>((resolve) => call.once('closed', () => resolve()));
    const heardReply = async (before: number) =>
      Promise.race([
        call.waitFor(() => call.heardMs() >= before + 300 && call.idle, 15_000, 'a reply').then(() => true),
        closed.then(() => false),
      ]).catch(() => false);
    // A connection that served only for the greeting (e.g. the first OpenAI one after the outage) is fine.
    if (model.kind === 'openai' && model.c.refuseSession) return result('failed', 'claimed a refused session');
    let ok = await heardReply(0);
    for (let turn = 1; ok && turn <= TURNS; turn += 1) {
      await sleep(300);
      const before = call.heardMs();
      waits.push(performance.now());
      const transcript = `[${tag}] caller turn ${turn}`;
      if (model.kind === 'openai') {
        model.c.speechStarted();
        await model.c.callerTurn({ transcript });
      } else await model.c.callerTurn({ transcript });
      ok = await heardReply(before);
    }
    const code = await Promise.race([closed.then(() => 0), sleep(15_000).then(() => -1)]);
    const longest = Math.max(...waits.map((at) => (call.audioAt.find((t) => t >= at) ?? performance.now()) - at));
    if (code === -1) {
      call.hangUp();
      return result('failed', 'call did not end', model.kind, longest);
    }
    const action = await postSignedForm(service.baseUrl, context.publicBaseUrl, context.authToken, '/twilio/voice/stream-ended', {
      CallSid: call.callSid,
      AccountSid: context.account,
    });
    if (/<Hangup\/>/.test(action.body) && !/<Dial |<Record /.test(action.body)) return result('completed', 'goodbye heard', model.kind, longest);
    if (/<Dial |<Record /.test(action.body)) return result('handed-off', 'to people', model.kind, longest);
    return result('failed', action.body.slice(0, 120), model.kind, longest);
  };

  const started = performance.now();
  outageEndsAt = started + OUTAGE_MS;
  print(`provider outage — ${CALLS} calls, ${CONCURRENCY} at a time; OpenAI refuses every session for ${OUTAGE_MS / 1000} s, Gemini Live is the fallback`);
  const results: OutageCallResult[] = [];
  let next = 0;
  const worker = async (w: number) => {
    await sleep(w * 400);
    while (next < CALLS) {
      const index = next++;
      results.push(await runCall(index).catch((error: unknown) => ({ outcome: 'failed' as const, detail: String(error), callSid: `call-${index}`, servedBy: undefined, longestSilenceMs: 0 })));
      await sleep(500);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  await service.stop();
  await openai.close();
  await gemini.close();

  const sids = results.map((r) => r.callSid).filter((s) => s.startsWith('CA'));
  const switched = await context.db
    .selectFrom('conversation_events as e')
    .innerJoin('voice_call_details as v', 'v.conversation_id', 'e.conversation_id')
    .select(['v.call_sid', 'e.data'])
    .where('e.type', '=', 'provider_switched')
    .where('v.call_sid', 'in', sids.length > 0 ? sids : ['none'])
    .execute();
  const holds = await context.db
    .selectFrom('conversation_events as e')
    .innerJoin('voice_call_details as v', 'v.conversation_id', 'e.conversation_id')
    .select('v.call_sid')
    .distinct()
    .where('e.type', '=', 'hold_prompt')
    .where('v.call_sid', 'in', sids.length > 0 ? sids : ['none'])
    .execute();
  const completed = results.filter((r) => r.outcome === 'completed').length;
  const onGemini = results.filter((r) => r.servedBy === 'gemini').length;
  const longest = results.reduce((a, b) => (b.longestSilenceMs > a.longestSilenceMs ? b : a), results[0]!);
  const silences = results.map((r) => r.longestSilenceMs).sort((a, b) => a - b);
  const p50 = silences[Math.floor(silences.length / 2)] ?? 0;
  print('');
  print('| measure | result | target |');
  print('|---|---|---|');
  print(`| calls completed (greeting, ${TURNS} turns, goodbye) | ${completed} / ${results.length} | 100 % |`);
  print(`| calls that switched provider (OpenAI → Gemini) | ${new Set(switched.map((s) => s.call_sid)).size} (${onGemini} calls served by Gemini; ${refusedSessions} OpenAI sessions refused) | every call that met the outage |`);
  print(`| calls that heard "one moment, please" | ${holds.length} | — |`);
  print(`| longest silence a caller heard (p50 of each call's longest) | ${longest?.longestSilenceMs.toFixed(0) ?? '?'} ms (${p50.toFixed(0)} ms) | < 3000 ms |`);
  print(`${elapsed.toFixed(0)} s in all`);
  for (const r of results.filter((x) => x.outcome !== 'completed')) print(`  ${r.outcome} ${r.callSid}: ${r.detail}`);
  return completed === results.length;
}
