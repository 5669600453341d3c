import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import type { Logger } from 'pino';
import { GoogleOAuth, GoogleOAuthError } from './calendar/google-oauth.js';
import { SpaCalendars } from './calendar/spa-calendars.js';
import { CallIntake } from './call/call-intake.js';
import { LiveCalls } from './call/live-calls.js';
import { SpaDirectory } from './call/spa-directory.js';
import { systemClock, type Clock } from './config/clock.js';
import type { Config } from './config/config.js';
import { frameworkErrors, HttpError, installErrorHandlers } from './http/errors.js';
import { appointmentTasks } from './jobs/appointment-tasks.js';
import { conversationAnalysisTasks } from './jobs/conversation-analysis-task.js';
import { followUpTasks } from './jobs/follow-up-task.js';
import { startJobWorker } from './jobs/job-worker.js';
import { smsReplyTasks } from './jobs/sms-reply-task.js';
import { recordDeliveryStatus, receiveText } from './sms/inbound.js';
import { TextSendError } from './sms/outbound.js';
import { sendStaffText, setAssistantPaused, StaffTextError } from './sms/staff-texts.js';
import { twilioMessageSender } from './sms/twilio-sender.js';
import { registerSmsWebhooks } from './telephony/sms-webhooks.js';
import { registerApiDocs } from './http/api-docs.js';
import { registerGoogleOAuthRoutes } from './http/google-oauth-routes.js';
import { registerStaffApi } from './http/staff-api.js';
import { registerHealthRoutes } from './http/health.js';
import { openAIRealtimeFactory } from './realtime/openai-realtime-model.js';
import type { RealtimeModelFactory } from './realtime/realtime-model.js';
import type { DatabaseHandle } from './storage/database.js';
import { heartbeatLiveCalls } from './storage/live-call-repository.js';
import { WriteQueue } from './storage/write-queue.js';
import { MAX_MESSAGE_BYTES, onMediaSocketError, registerMediaStreamRoute } from './telephony/media-stream.js';
import { StreamTokens } from './telephony/stream-token.js';
import { createTwilioClient, transferCall } from './telephony/twilio-rest.js';
import { registerVoiceWebhooks, TRANSFER_ENDED_PATH } from './telephony/voice-webhooks.js';
import { receptionistTools } from './tools/receptionist-tools.js';
import type { ToolRegistry } from './tools/tool-registry.js';

const LIVE_CALL_HEARTBEAT_MS = 15_000;
/** At shutdown, queued writes get this long to reach the database; the rest wait on disk. */
const WRITE_QUEUE_CLOSE_FLUSH_MS = 5_000;

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  /** Defaults to the OpenAI Realtime API at OPENAI_REALTIME_URL. */
  models?: RealtimeModelFactory;
  /** Defaults to the receptionist's tools. */
  tools?: ToolRegistry;
  /** The one clock every calendar decision is made by; the system clock unless a test fixes it. */
  now?: Clock;
  /** Run the job queue's workers in this process (the server does; most tests do not). */
  jobs?: boolean;
}

export interface App {
  fastify: FastifyInstance;
  liveCalls: LiveCalls;
  /** Every call write goes through it (the database may be away). */
  writes: WriteQueue;
  /** Stop taking new work (readiness fails); live calls carry on until closed. */
  startDraining(): void;
  /**
   * Stops taking calls and lets live ones finish for up to `drainMs`; in its last `wrapUpMs` the
   * receptionist wraps the remaining calls up politely; then whatever is left is ended. Waits for
   * the calls' records and closes the server.
   */
  close(options?: { drainMs?: number; wrapUpMs?: number }): Promise<void>;
}

/** Composition root: builds the whole service from its parts. Tests build it too, against a fresh database. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, database, logger } = deps;
  const now = deps.now ?? systemClock;
  let draining = false;

  // Typed as Fastify's logger so the instance keeps the default generics every plugin expects.
  const loggerInstance: FastifyBaseLogger = logger;
  // A client that sends headers and then dribbles (or never finishes) its body is cut off after 30 s.
  const fastify = Fastify({ loggerInstance, bodyLimit: 1024 * 1024, trustProxy: true, frameworkErrors, requestTimeout: 30_000 });
  installErrorHandlers(fastify);
  await fastify.register(formbody);
  await fastify.register(websocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false },
    errorHandler: onMediaSocketError,
  });
  await registerApiDocs(fastify, config.publicBaseUrl);

  const liveCalls = new LiveCalls();
  const tools = deps.tools ?? receptionistTools();
  const calendars = new SpaCalendars(database.db, config);
  const twilio = createTwilioClient(config);
  const models =
    deps.models ??
    openAIRealtimeFactory({
      url: config.openai.realtimeUrl,
      model: config.openai.realtimeModel,
      apiKey: config.openai.apiKey,
    });
  const outbound = {
    db: database.db,
    sender: twilioMessageSender(twilio),
    statusCallbackUrl: `${config.publicBaseUrl}/twilio/sms/status`,
    log: logger,
    now,
    analysisQuietMs: config.smsSummaryQuietSeconds * 1000,
  };
  const tokens = new StreamTokens(
    Buffer.concat([Buffer.from(config.twilio.authToken), config.encryptionKey ?? Buffer.alloc(0)]),
    config.streamTokenTtlSeconds * 1000,
  );
  // Writes left on disk by an earlier run are applied first.
  const writes = new WriteQueue({
    db: database.db,
    dir: config.writeQueue.dir,
    log: logger.child({ component: 'write-queue' }),
    maxMemoryBytes: config.writeQueue.memoryBytes,
    ...(config.encryptionKey ? { encryptionKey: config.encryptionKey } : {}),
  });
  await writes.start();
  const spas = new SpaDirectory(database.db, logger);
  await spas.warm().catch((error: unknown) => logger.warn({ err: error }, 'could not load the spas ahead of calls'));
  const intake = new CallIntake({
    db: database.db,
    writes,
    spas,
    config,
    models,
    tools,
    calendars,
    liveCalls,
    log: logger,
    now,
    transfer: (callSid, number, announcement) =>
      transferCall(twilio, callSid, number, announcement, `${config.publicBaseUrl}${TRANSFER_ENDED_PATH}`),
    isDraining: () => draining,
  });

  registerHealthRoutes(fastify, database.db, {
    isDraining: () => draining,
    callLoad: () => intake.load,
    writeQueue: () => writes.stats(),
  });
  registerVoiceWebhooks(fastify, { config, tokens, handlers: intake });
  registerMediaStreamRoute(fastify, { config, tokens, onStream: (stream, log) => intake.onStream(stream, log) });
  await registerStaffApi(fastify, {
    db: database.db,
    config,
    now,
    texts: {
      send: (spaId, conversationId, body) => sendStaffText(outbound, spaId, conversationId, body),
      setPaused: (spaId, conversationId, paused) => setAssistantPaused(outbound, spaId, conversationId, paused),
      mapError: (error) =>
        error instanceof StaffTextError
          ? new HttpError(error.code === 'NOT_FOUND' ? 404 : 409, error.code, error.message)
          : error instanceof TextSendError
            ? new HttpError(502, 'TEXT_NOT_SENT', `Twilio did not accept the text: ${error.message}`)
            : undefined,
    },
  });
  registerSmsWebhooks(fastify, {
    config,
    handlers: {
      onInboundText: (text, log) => receiveText(outbound, text, log),
      onDeliveryStatus: (update, log) => recordDeliveryStatus(outbound, update, log),
    },
  });
  registerGoogleOAuthRoutes(fastify, {
    db: database.db,
    handlers: new GoogleOAuth(database.db, config, calendars),
    mapError: (error) => {
      if (!(error instanceof GoogleOAuthError)) return undefined;
      return new HttpError(error.code === 'OAUTH_NOT_CONFIGURED' ? 503 : 400, error.code, error.message);
    },
  });

  // Keeps this machine's live calls listed for staff (GET /api/v1/calls/live).
  const heartbeat = setInterval(() => {
    heartbeatLiveCalls(database.db, config.machineId, liveCalls.all().map((c) => c.callSid)).catch((error: unknown) =>
      logger.debug({ err: error }, 'live-call heartbeat failed'),
    );
  }, LIVE_CALL_HEARTBEAT_MS);
  heartbeat.unref();

  const runner = deps.jobs
    ? await startJobWorker({
        connectionString: database.url,
        log: logger,
        tasks: {
          ...appointmentTasks(outbound),
          ...followUpTasks(outbound),
          ...smsReplyTasks({
            ...outbound,
            openai: new OpenAI({ apiKey: config.openai.apiKey ?? 'not-configured', baseURL: config.openai.baseUrl, maxRetries: 2, timeout: 30_000 }),
            model: config.openai.textModel,
            tools: receptionistTools('sms'),
            calendars,
          }),
          ...conversationAnalysisTasks({
            db: database.db,
            // The job queue retries with backoff; one quick retry here covers a dropped connection.
            openai: config.openai.apiKey ? new OpenAI({ apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl, maxRetries: 1, timeout: 60_000 }) : undefined,
            model: config.openai.textModel,
            rates: {
              realtimeModel: config.openai.realtimeModel,
              transcriptionModel: config.openai.transcriptionModel,
              twilioVoiceUsdPerMinute: config.twilioRates.voiceUsdPerMinute,
              twilioSmsUsdPerSegment: config.twilioRates.smsUsdPerSegment,
            },
            log: logger.child({ component: 'analysis' }),
          }),
        },
      })
    : undefined;

  await fastify.ready();
  let closing: Promise<void> | undefined;
  return {
    fastify,
    liveCalls,
    writes,
    startDraining() {
      draining = true;
    },
    close(options = {}) {
      closing ??= shutDown(options);
      return closing;
    },
  };

  async function shutDown(options: { drainMs?: number; wrapUpMs?: number }): Promise<void> {
    draining = true;
    const drainMs = options.drainMs ?? 0;
    const deadline = Date.now() + drainMs;
    const wrapUpFrom = deadline - Math.min(options.wrapUpMs ?? 0, drainMs);
    const waitUntil = async (until: number) => {
      while (liveCalls.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
    };
    await waitUntil(wrapUpFrom);
    if (liveCalls.size > 0 && wrapUpFrom < deadline) {
      logger.info({ calls: liveCalls.size }, 'drain time is nearly up; wrapping up the calls still live');
      for (const call of liveCalls.all()) call.wrapUpCall('shutdown');
      await waitUntil(deadline);
    }
    const calls = liveCalls.all();
    for (const call of calls) call.end('shutdown');
    // Records reach the database, or wait on disk for the next start if it is away; only then
    // can the calls' `done` (which waits for their records) resolve.
    await writes.close(WRITE_QUEUE_CLOSE_FLUSH_MS);
    await Promise.all(calls.map((call) => call.done));
    await liveCalls.recordsWritten();
    clearInterval(heartbeat);
    await runner?.stop();
    await fastify.close();
  }
}
