import { pino, type DestinationStream } from 'pino';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import type { ToolRegistry } from '../../src/tools/tool-registry.js';
import { FakeGoogleCalendar } from '../doubles/fake-google-calendar.js';
import { FakeGeminiLiveServer } from '../doubles/fake-gemini-live-server.js';
import { FakeRealtimeServer } from '../doubles/fake-realtime-server.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { FakeTwilioCall, postSignedForm, type FakeCallOptions } from '../doubles/fake-twilio.js';
import { connectSpaToGoogle, ENCRYPTION_KEY } from './booking-harness.js';
import { createTestDatabase, testDataDir, type TestDatabase } from './database.js';

export const PUBLIC_BASE_URL = 'https://receptionist.test';
export const AUTH_TOKEN = 'test-twilio-auth-token';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface CallHarness {
  app: App;
  config: Config;
  database: TestDatabase;
  realtime: FakeRealtimeServer;
  /** The Gemini Live double, when the harness was asked for the second provider. */
  gemini: FakeGeminiLiveServer | undefined;
  twilioRest: FakeTwilioRest;
  google: FakeGoogleCalendar | undefined;
  baseUrl: string;
  demoSpaId: string;
  call(options?: Partial<FakeCallOptions>): FakeTwilioCall;
  post(path: string, params: Record<string, string>, options?: { signature?: string; headers?: Record<string, string> }): ReturnType<typeof postSignedForm>;
}

/** The real service on a real port, a fresh database, and the fake OpenAI Realtime server. */
export async function startCallHarness(
  t: Teardown,
  options: {
    env?: Record<string, string>;
    tools?: ToolRegistry;
    now?: () => Date;
    google?: boolean;
    /** Where the service logs go (at LOG_LEVEL, with the server's redaction), for tests that read them. */
    logs?: DestinationStream;
    /** Run the job queue's workers in the app. */
    jobs?: boolean;
    /** Configure Gemini Live (the second provider) against its double. */
    gemini?: boolean;
    /** Listen on this port (default: any free one); with env.PUBLIC_BASE_URL, for browsers that need the origin up front. */
    port?: number;
    /** The built staff console to serve under /console. */
    consoleDir?: string;
  } = {},
): Promise<CallHarness> {
  const database = await createTestDatabase(t);
  const { spaId } = await seedSpa(database.db, await loadDemoSpaCatalog());
  const realtime = await FakeRealtimeServer.start();
  const twilioRest = await FakeTwilioRest.start();
  const google = options.google ? await FakeGoogleCalendar.start() : undefined;
  const gemini = options.gemini ? await FakeGeminiLiveServer.start() : undefined;
  if (google) await connectSpaToGoogle(database, spaId, google);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PUBLIC_BASE_URL,
    DATABASE_URL: database.url,
    DATA_DIR: await testDataDir(t),
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_REALTIME_URL: realtime.url,
    // Text APIs (a warm transfer's summary) refused at once unless a test points them at a fake.
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
    TWILIO_API_BASE_URL: twilioRest.baseUrl,
    ...(google ? { GOOGLE_API_ROOT_URL: google.rootUrl, ENCRYPTION_KEY } : {}),
    ...(gemini ? { GEMINI_LIVE_URL: gemini.url } : {}),
    ...options.env,
  });
  const app = await buildApp({
    config,
    database,
    logger: options.logs ? createLogger(config, options.logs) : pino({ level: config.logLevel }),
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.jobs ? { jobs: true } : {}),
    ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
  });
  await app.fastify.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  // Twilio signs with the public URL the service is configured with.
  const publicBaseUrl = config.publicBaseUrl;
  const address = app.fastify.server.address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.teardown(async () => {
    await app.close();
    await realtime.close();
    await twilioRest.close();
    await google?.close();
    await gemini?.close();
  });
  return {
    app,
    config,
    database,
    realtime,
    gemini,
    twilioRest,
    google,
    baseUrl,
    demoSpaId: spaId,
    call: (callOptions = {}) => new FakeTwilioCall({ baseUrl, publicBaseUrl, authToken: AUTH_TOKEN, ...callOptions }),
    post: (path, params, postOptions) => postSignedForm(baseUrl, publicBaseUrl, AUTH_TOKEN, path, params, postOptions),
  };
}

/** A call's conversation row joined with its voice details. */
export async function conversationOf(h: Pick<CallHarness, 'database'>, call: { callSid: string }) {
  return h.database.db
    .selectFrom('voice_call_details')
    .innerJoin('conversations', 'conversations.id', 'voice_call_details.conversation_id')
    .selectAll()
    .where('call_sid', '=', call.callSid)
    .executeTakeFirstOrThrow();
}
