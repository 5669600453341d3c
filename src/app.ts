import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import type { Logger } from 'pino';
import { GoogleOAuth, GoogleOAuthError } from './calendar/google-oauth.js';
import { SpaCalendars } from './calendar/spa-calendars.js';
import { CallIntake } from './call/call-intake.js';
import { LiveCalls } from './call/live-calls.js';
import type { Config } from './config/config.js';
import { HttpError, installErrorHandlers } from './http/errors.js';
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
import { MAX_MESSAGE_BYTES, registerMediaStreamRoute } from './telephony/media-stream.js';
import { StreamTokens } from './telephony/stream-token.js';
import { createTwilioClient, transferCall } from './telephony/twilio-rest.js';
import { registerVoiceWebhooks, TRANSFER_ENDED_PATH } from './telephony/voice-webhooks.js';
import { receptionistTools } from './tools/receptionist-tools.js';
import type { ToolRegistry } from './tools/tool-registry.js';

const LIVE_CALL_HEARTBEAT_MS = 15_000;

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  /** Defaults to the OpenAI Realtime API at OPENAI_REALTIME_URL. */
  models?: RealtimeModelFactory;
  /** Defaults to the receptionist's tools. */
  tools?: ToolRegistry;
  /** The wall clock the receptionist books by (tests fix it). */
  now?: () => Date;
  /** Run the job queue's workers in this process (the server does; most tests do not). */
  jobs?: boolean;
}

export interface App {
  fastify: FastifyInstance;
  liveCalls: LiveCalls;
  /** Stop taking new work (readiness fails); live calls carry on until closed. */
  startDraining(): void;
  /**
   * Stops taking calls, lets live ones finish for up to `drainMs`, wraps up the rest, waits for
   * their records and closes the server.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** Composition root: builds the whole service from its parts. Tests build it too, against a fresh database. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, database, logger } = deps;
  let draining = false;

  // Typed as Fastify's logger so the instance keeps the default generics every plugin expects.
  const loggerInstance: FastifyBaseLogger = logger;
  const fastify = Fastify({ loggerInstance, bodyLimit: 1024 * 1024, trustProxy: true });
  installErrorHandlers(fastify);
  await fastify.register(formbody);
  await fastify.register(websocket, { options: { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false } });
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
    now: deps.now ?? (() => new Date()),
    analysisQuietMs: config.smsSummaryQuietSeconds * 1000,
  };
  const tokens = new StreamTokens(
    Buffer.concat([Buffer.from(config.twilio.authToken), config.encryptionKey ?? Buffer.alloc(0)]),
    config.streamTokenTtlSeconds * 1000,
  );
  const intake = new CallIntake({
    db: database.db,
    config,
    models,
    tools,
    calendars,
    liveCalls,
    log: logger,
    now: deps.now ?? (() => new Date()),
    transfer: (callSid, number, announcement) =>
      transferCall(twilio, callSid, number, announcement, `${config.publicBaseUrl}${TRANSFER_ENDED_PATH}`),
  });

  registerHealthRoutes(fastify, database.db, { isDraining: () => draining });
  registerVoiceWebhooks(fastify, { config, tokens, handlers: intake });
  registerMediaStreamRoute(fastify, { config, tokens, onStream: (stream, log) => intake.onStream(stream, log) });
  await registerStaffApi(fastify, {
    db: database.db,
    config,
    now: deps.now ?? (() => new Date()),
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
  return {
    fastify,
    liveCalls,
    startDraining() {
      draining = true;
    },
    async close(options = {}) {
      draining = true;
      const deadline = Date.now() + (options.drainMs ?? 0);
      while (liveCalls.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      const calls = liveCalls.all();
      for (const call of calls) call.end('shutdown');
      await Promise.all(calls.map((call) => call.done));
      await liveCalls.recordsWritten();
      clearInterval(heartbeat);
      await runner?.stop();
      await fastify.close();
    },
  };
}
