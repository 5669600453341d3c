/**
 * `npm run call`: places a simulated phone call exactly as Twilio would (signed webhook, media
 * stream in 20 ms μ-law frames, mark echoes, clears), plays the scripted caller audio from
 * fixtures/, prints the call as it happens and writes what the caller heard to a WAV file.
 *
 *   npm run call                          # against http://localhost:3000, or a service started here
 *   npm run call -- --server http://localhost:3000 --public-url https://my.ngrok.app --out heard.wav
 *   npm run call -- --script fixtures/call-script-es.json   # a Spanish-speaking patient
 *   npm run call -- --provider gemini     # the local service's spa answers on Gemini Live
 *
 * With no service listening it starts one in this process on the embedded database; that service
 * talks to the real OpenAI Realtime API when OPENAI_API_KEY is set and to the local scripted
 * receptionist otherwise, so the whole call works offline. With `--provider gemini` the demo spa
 * is set to Gemini Live: the real one when GEMINI_API_KEY is set, else the scripted receptionist
 * on the Gemini Live double.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { prepareDatabase } from '../../src/storage/bootstrap.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { FakeGeminiLiveServer } from '../doubles/fake-gemini-live-server.js';
import { FakeRealtimeServer } from '../doubles/fake-realtime-server.js';
import { FakeTwilioCall } from '../doubles/fake-twilio.js';
import { DEFAULT_CALL_SCRIPT, loadCallScript, useScriptedGeminiReceptionist, useScriptedReceptionist, type CallScript } from '../doubles/scripted-receptionist.js';
import { settingsPatchSchema } from '../../src/storage/settings-patch.js';
import { applySettings } from '../../src/storage/settings-repository.js';
import { findSpaIdByPhone } from '../../src/storage/spa-repository.js';
import { writeMulawWav } from '../support/wav.js';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: 'http://localhost:3000' },
    'public-url': { type: 'string' },
    to: { type: 'string', default: '+12025550100' },
    from: { type: 'string', default: '+12025550187' },
    out: { type: 'string', default: 'call-heard.wav' },
    script: { type: 'string' },
    provider: { type: 'string', default: 'openai' },
  },
});
if (args.provider !== 'openai' && args.provider !== 'gemini') throw new Error('--provider must be openai or gemini');
const provider: 'openai' | 'gemini' = args.provider;

const scriptFile = args.script ? path.resolve(args.script) : DEFAULT_CALL_SCRIPT;

const print = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(800) });
    return res.ok;
  } catch {
    return false;
  }
}

interface Target {
  baseUrl: string;
  publicBaseUrl: string;
  authToken: string;
  local?: { app: App; database: DatabaseHandle; realtime?: FakeRealtimeServer; gemini?: FakeGeminiLiveServer };
}

async function startLocalService(script: CallScript): Promise<Target> {
  let realtime: FakeRealtimeServer | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '3000', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  if (!process.env.OPENAI_API_KEY) {
    realtime = await FakeRealtimeServer.start();
    useScriptedReceptionist(realtime, script);
    env.OPENAI_REALTIME_URL = realtime.url;
  }
  let gemini: FakeGeminiLiveServer | undefined;
  if (provider === 'gemini' && !process.env.GEMINI_API_KEY) {
    gemini = await FakeGeminiLiveServer.start();
    useScriptedGeminiReceptionist(gemini, script);
    env.GEMINI_LIVE_URL = gemini.url;
  }
  const config = loadConfig(env);
  const logger = pino({ level: config.logLevel });
  const database = await openDatabase(config, logger);
  await prepareDatabase(database, logger);
  await applyScriptSettings(database, script);
  await useProvider(database, args.to, provider);
  const app = await buildApp({ config, database, logger });
  await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = app.fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  print(
    `started a local service on port ${port} (${database.description}); model: ${
      provider === 'gemini'
        ? gemini
          ? 'scripted receptionist on the Gemini Live double (offline)'
          : `Gemini Live ${config.gemini.liveModel}`
        : realtime
          ? 'scripted receptionist (offline)'
          : `OpenAI ${config.openai.realtimeModel}`
    }`,
  );
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    publicBaseUrl: config.publicBaseUrl,
    authToken: config.twilio.authToken,
    local: { app, database, ...(realtime ? { realtime } : {}), ...(gemini ? { gemini } : {}) },
  };
}

/** The spa speaks what the script needs (e.g. Spanish); a change to this local database, said out loud. */
async function applyScriptSettings(database: DatabaseHandle, script: CallScript): Promise<void> {
  if (!script.spaSettings) return;
  const spaId = await findSpaIdByPhone(database.db, args.to);
  if (!spaId) return;
  await applySettings(database.db, spaId, settingsPatchSchema.parse({ settings: script.spaSettings }));
  print(`the spa's settings for this script: ${JSON.stringify(script.spaSettings)}`);
}

/** The called spa's `provider` setting, as PATCH /api/v1/settings would set it. */
async function useProvider(database: DatabaseHandle, number: string, which: 'openai' | 'gemini'): Promise<void> {
  const spa = await database.db
    .selectFrom('spa_phone_numbers')
    .innerJoin('spas', 'spas.id', 'spa_phone_numbers.spa_id')
    .select(['spas.id', 'spas.settings'])
    .where('spa_phone_numbers.phone', '=', number)
    .executeTakeFirst();
  if (!spa) return;
  await database.db
    .updateTable('spas')
    .set({ settings: JSON.stringify({ ...(spa.settings as object), provider: which }) })
    .where('id', '=', spa.id)
    .execute();
}

async function resolveTarget(script: CallScript): Promise<Target> {
  const server = args.server.replace(/\/+$/, '');
  if (await reachable(server)) {
    const config = loadConfig();
    print(`calling the service at ${server}${provider === 'gemini' ? " (the spa's provider setting decides who answers: PATCH /api/v1/settings {settings: {provider: 'gemini'}})" : ''}`);
    return { baseUrl: server, publicBaseUrl: args['public-url'] ?? config.publicBaseUrl, authToken: config.twilio.authToken };
  }
  return startLocalService(script);
}

/**
 * Waits for Ava's reply to start (a busy machine or a real model can take a few seconds), then
 * until the caller has heard everything sent and nothing new arrives for `quietMs`.
 */
async function untilQuiet(call: FakeTwilioCall, quietMs = 1_200, limitMs = 30_000): Promise<number> {
  const started = Date.now();
  const before = call.receivedAudio().length;
  while (call.receivedAudio().length === before && call.closeCode === undefined && Date.now() - started < 10_000) await sleep(20);
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() - started < limitMs && call.closeCode === undefined) {
    const heard = call.heardMs();
    const pending = call.receivedAudio().length / 8 - heard;
    if (heard !== last || pending > 0) {
      last = heard;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) break;
    await sleep(50);
  }
  return call.heardMs();
}

async function main(): Promise<void> {
  const script = await loadCallScript(scriptFile);
  const target = await resolveTarget(script);
  const call = new FakeTwilioCall({
    baseUrl: target.baseUrl,
    publicBaseUrl: target.publicBaseUrl,
    authToken: target.authToken,
    from: args.from,
    to: args.to,
  });
  print(`☎  ${args.from} calls ${args.to} (CallSid ${call.callSid})`);
  const ring = await call.ring();
  if (!call.stream) {
    print(`the service did not connect a stream (HTTP ${ring.status}):\n${ring.body}`);
    process.exitCode = 1;
    return;
  }
  await call.connect();
  if (call.upgradeStatus !== undefined) {
    // The service checks X-Twilio-Signature on the upgrade, over its PUBLIC_BASE_URL.
    print(`the service refused the media stream (HTTP ${call.upgradeStatus}): do the auth token and public URL match the service's?`);
    process.exitCode = 1;
    return;
  }
  call.on('clear', () => print('   ✂  caller interrupted: Twilio buffer cleared'));
  let heard = await untilQuiet(call);
  print(`◀  Ava: (${(heard / 1000).toFixed(1)} s of speech)`);
  for (const turn of script.turns) {
    if (call.closeCode !== undefined) break;
    print(`▶  Caller: ${turn.callerTranscript}`);
    await call.say(turn.callerAudio);
    await call.say(Buffer.alloc(8 * 800, 0xff)); // silence, so turn detection ends the turn
    const before = heard;
    heard = await untilQuiet(call);
    print(`◀  Ava: (${((heard - before) / 1000).toFixed(1)} s of speech)`);
  }
  // Ava hangs up herself after a goodbye; give her the chance before the caller does.
  await call.closed(3_000).catch(() => undefined);
  if (call.closeCode === undefined) call.hangUp();
  print(`☎  call ended; the caller heard ${(call.heardMs() / 1000).toFixed(1)} s of audio`);
  const out = path.resolve(args.out);
  await writeMulawWav(out, call.heard());
  print(`   what the caller heard: ${out}`);

  if (target.local) {
    const { app, database, realtime, gemini } = target.local;
    await app.close();
    const row = await database.db
      .selectFrom('voice_call_details')
      .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
      .leftJoin('customers', 'customers.id', 'conversations.customer_id')
      .select([
        'conversation_id',
        'greeting_latency_ms',
        'reply_latency_p50_ms',
        'voice_call_details.cost_usd',
        'ended_by',
        'conversations.language',
        'customers.preferred_language',
      ])
      .where('call_sid', '=', call.callSid)
      .executeTakeFirst();
    if (row) {
      const messages = await database.db
        .selectFrom('messages')
        .select(['role', 'text'])
        .where('conversation_id', '=', row.conversation_id)
        .orderBy('seq')
        .execute();
      print('\nsaved transcript:');
      for (const m of messages) print(`  ${m.role === 'assistant' ? 'Ava   ' : 'Caller'}: ${m.text}`);
      const tools = await database.db
        .selectFrom('conversation_events')
        .select(['name', 'data'])
        .where('conversation_id', '=', row.conversation_id)
        .where('type', '=', 'tool_result')
        .orderBy('seq')
        .execute();
      for (const tool of tools) print(`  tool ${tool.name}: ${JSON.stringify((tool.data as { result?: unknown; error?: unknown }).result ?? (tool.data as { error?: unknown }).error)}`);
      const booked = await database.db
        .selectFrom('appointments')
        .innerJoin('services', 'services.id', 'appointments.service_id')
        .innerJoin('providers', 'providers.id', 'appointments.provider_id')
        .select(['appointments.id', 'services.name as service', 'providers.name as provider', 'appointments.starts_at'])
        .where('appointments.source_conversation_id', '=', row.conversation_id)
        .execute();
      for (const b of booked) print(`booked: ${b.service} with ${b.provider} at ${b.starts_at.toISOString()} (appointment ${b.id})`);
      print(`conversation language: ${row.language ?? 'unknown'}; the patient's preferred language: ${row.preferred_language ?? 'unknown'}`);
      print(
        `greeting latency ${row.greeting_latency_ms ?? '?'} ms, median reply latency ${row.reply_latency_p50_ms ?? '?'} ms, ` +
          `estimated model cost $${row.cost_usd ?? '0'}, ended by ${row.ended_by ?? '?'}`,
      );
    }
    await realtime?.close();
    await gemini?.close();
    await database.close();
  }
}

await main();
