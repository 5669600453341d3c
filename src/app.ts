import formbody from '@fastify/formbody';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Task } from 'graphile-worker';
import type { Logger } from 'pino';
import { GoogleIdentity } from './calendar/google-identity.js';
import { GoogleOAuth } from './calendar/google-oauth.js';
import { SpaCalendars } from './calendar/spa-calendars.js';
import { drainCalls } from './call/call-drain.js';
import { CallIntake } from './call/call-intake.js';
import { LiveCalls } from './call/live-calls.js';
import { SpaDirectory } from './call/spa-directory.js';
import { TestLine } from './call/test-line.js';
import { registerTestLineRoute } from './http/test-line/test-line-route.js';
import { systemClock, type Clock } from './config/clock.js';
import type { Config } from './config/config.js';
import { trustProxyOption } from './http/client-address.js';
import { GOOGLE_SIGN_IN_CALLBACK_PATH } from './http/staff/google-sign-in.js';
import { frameworkErrors } from './http/errors.js';
import { requestLogSerializer } from './http/request-log.js';
import { appointmentTasks } from './jobs/appointment-tasks.js';
import { AUTH_FAILURE_CLEANUP_CRONTAB, authFailureCleanupTasks } from './jobs/auth-failure-cleanup-task.js';
import { conversationAnalysisTasks } from './jobs/conversation-analysis-task.js';
import { followUpTasks } from './jobs/follow-up-task.js';
import { startJobWorker } from './jobs/job-worker.js';
import { openAITextClients } from './jobs/openai-clients.js';
import { RETENTION_CRONTAB, retentionTasks } from './jobs/retention-task.js';
import { smsReplyTasks } from './jobs/sms-reply-task.js';
import { recordDeliveryStatus, receiveText } from './sms/inbound.js';
import { sendTextToCustomer, type OutboundDependencies } from './sms/outbound.js';
import { sendStaffText, setAssistantPaused } from './sms/staff-texts.js';
import { twilioMessageSender } from './sms/twilio-sender.js';
import { registerSmsWebhooks } from './telephony/sms-webhooks.js';
import accessGuards from './http/plugins/access-guards.js';
import apiDocs from './http/plugins/api-docs.js';
import consoleAssets from './http/plugins/console-assets.js';
import errorHandler from './http/plugins/error-handler.js';
import httpServices from './http/plugins/http-services.js';
import securityHeaders from './http/plugins/security-headers.js';
import healthRoutes from './http/routes/health.js';
import staffApi from './http/staff-api.js';
import type { InviteTexts } from './http/routes/invites.js';
import { spaSendingNumber } from './storage/spa-lookups.js';
import { openAIRealtimeFactory } from './realtime/openai-realtime-model.js';
import { geminiLiveFactory } from './realtime/gemini-live-model.js';
import { realtimeFactories, type RealtimeModelFactories, type RealtimeModelFactory } from './realtime/realtime-model.js';
import type { DatabaseHandle } from './storage/database.js';
import { heartbeatLiveCalls } from './storage/live-call-repository.js';
import { SpaChangeFeed } from './storage/spa-change-feed.js';
import { openRecordingStorage } from './storage/recording-store.js';
import { WriteQueue } from './storage/write-queue.js';
import { MAX_MESSAGE_BYTES, onMediaSocketError, registerMediaStreamRoute } from './telephony/media-stream.js';
import { StreamTokens } from './telephony/stream-token.js';
import { createTwilioClient, transferCall } from './telephony/twilio-rest.js';
import { UrlSeals } from './telephony/url-seal.js';
import { registerVoiceWebhooks, TRANSFER_ENDED_PATH, WHISPER_PATH } from './telephony/voice-webhooks.js';
import { transferSummariser } from './jobs/transfer-summary.js';
import { findCustomerContact } from './storage/customer-repository.js';
import type { WarmTransfers } from './call/warm-transfer.js';
import { cancelForStaff } from './tools/booking.js';
import { rescheduleForStaff } from './tools/staff-reschedule.js';
import { receptionistTools } from './tools/receptionist-tools.js';
import type { ToolRegistry } from './tools/tool-registry.js';
import httpMetrics from './http/plugins/http-metrics.js';
import { callTelemetry } from './observability/call-telemetry.js';
import { inSpan } from './observability/linked-spans.js';
import { Metrics } from './observability/metrics.js';
import { countDeliveryStatus, countedSender, countInboundText } from './observability/sms-telemetry.js';
import { pendingJobCounts } from './storage/job-queue.js';

const LIVE_CALL_HEARTBEAT_MS = 15_000;
/** At shutdown, queued writes get this long to reach the database; the rest wait on disk. */
const WRITE_QUEUE_CLOSE_FLUSH_MS = 5_000;
/** How long a caller on hold waits for the warm transfer's summary before the fallback sentence is used. */
const TRANSFER_SUMMARY_WAIT_MS = 2_500;

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  /** Defaults to the OpenAI Realtime API at OPENAI_REALTIME_URL. */
  models?: RealtimeModelFactories;
  /** Defaults to the receptionist's tools. */
  tools?: ToolRegistry;
  /** The one clock every calendar decision is made by; the system clock unless a test fixes it. */
  now?: Clock;
  /** Run the job queue's workers in this process (the server does; most tests do not). */
  jobs?: boolean;
  /** Where the built staff console is (default dist/console); tests build it elsewhere. */
  consoleDir?: string;
}

export interface App {
  fastify: FastifyInstance;
  /** The service's Prometheus metrics (served on METRICS_PORT by the server). */
  metrics: Metrics;
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
  // Request logs: route and path without the query, the address from the trusted proxy only.
  const loggerInstance: FastifyBaseLogger = logger.child({}, { serializers: { req: requestLogSerializer({ onFly: config.onFly }) } });
  // A client that sends headers and then dribbles (or never finishes) its body is cut off after 30 s.
  const fastify = Fastify({
    loggerInstance,
    bodyLimit: 1024 * 1024,
    trustProxy: trustProxyOption(config.trustedProxyHops),
    frameworkErrors,
    requestTimeout: 30_000,
  });
  const metrics = new Metrics();
  await fastify.register(httpMetrics, { metrics });
  await fastify.register(errorHandler);
  await fastify.register(securityHeaders, { publicBaseUrl: config.publicBaseUrl });
  await fastify.register(formbody);
  await fastify.register(websocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false },
    errorHandler: onMediaSocketError,
  });
  await fastify.register(apiDocs, { publicBaseUrl: config.publicBaseUrl });
  await fastify.register(httpServices, { db: database.db, clock: now });
  await fastify.register(accessGuards, { onFly: config.onFly, staffSessions: config.staffSessions });

  const liveCalls = new LiveCalls();
  const tools = deps.tools ?? receptionistTools();
  const calendars = new SpaCalendars(database.db, config);
  const twilio = createTwilioClient(config);
  const models = deps.models ?? realtimeProviders(config, logger);
  const outbound: OutboundDependencies = {
    db: database.db,
    sender: countedSender(twilioMessageSender(twilio), metrics),
    statusCallbackUrl: `${config.publicBaseUrl}/twilio/sms/status`,
    log: logger,
    now,
    analysisQuietMs: config.smsSummaryQuietSeconds * 1000,
  };
  const sealSecret = Buffer.concat([Buffer.from(config.twilio.authToken), config.encryptionKey ?? Buffer.alloc(0)]);
  const tokens = new StreamTokens(sealSecret, config.streamTokenTtlSeconds * 1000);
  const summaries = openAITextClients(config.openai).transferSummaries;
  const warmTransfers: WarmTransfers = {
    seals: new UrlSeals(sealSecret, 'transfer-whisper'),
    whisperUrl: `${config.publicBaseUrl}${WHISPER_PATH}`,
    ...(summaries ? { summarise: transferSummariser(summaries, config.openai.textModel) } : {}),
    callerName: async (customerId) => (await findCustomerContact(database.db, customerId)).name,
    timeoutMs: TRANSFER_SUMMARY_WAIT_MS,
  };
  // Writes left on disk by an earlier run are applied first.
  const writes = new WriteQueue({
    db: database.db,
    dir: config.writeQueue.dir,
    log: logger.child({ component: 'write-queue' }),
    maxMemoryBytes: config.writeQueue.memoryBytes,
    ...(config.encryptionKey ? { encryptionKey: config.encryptionKey } : {}),
  });
  await writes.start();
  metrics.sources = {
    liveCalls: () => liveCalls.size,
    writeQueue: () => writes.stats(),
    jobsPending: () => pendingJobCounts(database.db),
  };
  const recordingStorage = await openRecordingStorage(config);
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
    texts: { send: (text) => sendTextToCustomer(outbound, text) },
    liveCalls,
    log: logger,
    now,
    transfer: (callSid, request) => transferCall(twilio, callSid, request, `${config.publicBaseUrl}${TRANSFER_ENDED_PATH}`),
    dialSeals: new UrlSeals(sealSecret, 'front-desk-dial'),
    warmTransfers,
    isDraining: () => draining,
    observer: callTelemetry(metrics),
    recordings: { ...recordingStorage, writes, log: logger.child({ component: 'recordings' }) },
  });

  await fastify.register(healthRoutes, {
    isDraining: () => draining,
    callLoad: () => intake.load,
    writeQueue: () => writes.stats(),
  });
  registerVoiceWebhooks(fastify, { config, tokens, handlers: intake });
  registerMediaStreamRoute(fastify, { config, tokens, admission: intake.admission, onStream: (stream, log) => intake.onStream(stream, log) });
  const testLine = new TestLine({ db: database.db, writes, intake, isDraining: () => draining, log: logger });
  registerTestLineRoute(fastify, {
    publicBaseUrl: config.publicBaseUrl,
    handlers: {
      open: (spaId, caller) => testLine.open(spaId, caller),
      run: (stream, call) => testLine.run(stream, call, stream),
      abandon: (call) => testLine.abandon(call),
    },
  });
  const changes = new SpaChangeFeed(database.url, logger.child({ component: 'change-feed' }));
  await fastify.register(staffApi, {
    prefix: '/api/v1',
    changes,
    adminApiKey: config.adminApiKey,
    publicBaseUrl: config.publicBaseUrl,
    inviteTexts: config.twilio.configured ? inviteTexts(outbound) : undefined,
    google: {
      oauth: new GoogleOAuth(database.db, config, calendars),
      signIn: GoogleIdentity.configured(config) ? new GoogleIdentity(config, `${config.publicBaseUrl}${GOOGLE_SIGN_IN_CALLBACK_PATH}`) : undefined,
    },
    recordings: recordingStorage,
    appointments: {
      cancel: (request) => cancelForStaff(database.db, calendars, { ...request, now: now() }),
      reschedule: (request) => rescheduleForStaff(database.db, calendars, { ...request, now: now() }),
    },
    texts: {
      send: (spaId, conversationId, body) => sendStaffText(outbound, spaId, conversationId, body),
      setPaused: (spaId, conversationId, paused) => setAssistantPaused(outbound, spaId, conversationId, paused),
    },
  });
  await fastify.register(consoleAssets, deps.consoleDir ? { dir: deps.consoleDir } : {});
  registerSmsWebhooks(fastify, {
    config,
    handlers: {
      // A trace per inbound text (under the webhook's HTTP span when HTTP is instrumented).
      onInboundText: (text, log) => {
        countInboundText(metrics);
        return inSpan('sms.inbound', { 'twilio.message_sid': text.messageSid }, () => receiveText(outbound, text, log));
      },
      onDeliveryStatus: (update, log) => {
        countDeliveryStatus(metrics, update.status);
        return recordDeliveryStatus(outbound, update, log);
      },
    },
  });

  const heartbeat = startLiveCallHeartbeat(database, config, liveCalls, logger);
  const runner = deps.jobs
    ? await startJobWorker({
        connectionString: database.url,
        log: logger,
        tasks: {
          ...jobTasks(config, outbound, calendars, logger),
          ...retentionTasks({ db: database.db, recordings: recordingStorage, now, log: logger }),
          ...authFailureCleanupTasks({ db: database.db, now, log: logger }),
        },
        crontab: [RETENTION_CRONTAB, AUTH_FAILURE_CLEANUP_CRONTAB].join('\n'),
      })
    : undefined;

  await fastify.ready();
  let closing: Promise<void> | undefined;
  return {
    fastify,
    metrics,
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
    await drainCalls({ liveCalls, writes, logger }, { ...options, writeFlushMs: WRITE_QUEUE_CLOSE_FLUSH_MS });
    clearInterval(heartbeat);
    await runner?.stop();
    await fastify.close();
    await changes.close();
  }
}

/** Keeps this machine's live calls listed for staff (GET /api/v1/calls/live), on every machine. */
function startLiveCallHeartbeat(database: DatabaseHandle, config: Config, liveCalls: LiveCalls, logger: Logger): NodeJS.Timeout {
  const heartbeat = setInterval(() => {
    heartbeatLiveCalls(database.db, config.machineId, liveCalls.all().map((c) => c.callSid)).catch((error: unknown) =>
      logger.debug({ err: error }, 'live-call heartbeat failed'),
    );
  }, LIVE_CALL_HEARTBEAT_MS);
  heartbeat.unref();
  return heartbeat;
}

/** Invite links texted from the spa's own number (a failed send is reported, not thrown: the owner still has the link). */
function inviteTexts(outbound: OutboundDependencies): InviteTexts {
  return {
    async send(spaId, to, body) {
      const from = await spaSendingNumber(outbound.db, spaId);
      if (!from) return false;
      try {
        await outbound.sender.send({ from, to, body, statusCallback: outbound.statusCallbackUrl });
        return true;
      } catch (error) {
        outbound.log.warn({ err: error, spaId }, 'invite text not sent');
        return false;
      }
    },
  };
}

/** The job queue's tasks: appointment texts, follow-ups, text replies, post-call analysis. */
function jobTasks(config: Config, outbound: OutboundDependencies, calendars: SpaCalendars, logger: Logger): Record<string, Task> {
  const openai = openAITextClients(config.openai);
  return {
    ...appointmentTasks(outbound),
    ...followUpTasks(outbound),
    ...smsReplyTasks({ ...outbound, openai: openai.smsReplies, model: config.openai.textModel, tools: receptionistTools('sms'), calendars }),
    ...conversationAnalysisTasks({
      db: outbound.db,
      openai: openai.analysis,
      model: config.openai.textModel,
      rates: {
        realtimeModel: config.openai.realtimeModel,
        transcriptionModel: config.openai.transcriptionModel,
        twilioVoiceUsdPerMinute: config.twilioRates.voiceUsdPerMinute,
        twilioSmsUsdPerSegment: config.twilioRates.smsUsdPerSegment,
      },
      log: logger.child({ component: 'analysis' }),
    }),
  };
}

/** OpenAI always; Gemini Live when this deployment has a key for it (or a URL set on purpose, e.g. a double). */
function realtimeProviders(config: Config, logger: Logger): RealtimeModelFactories {
  const log = logger.child({ component: 'realtime' });
  const factories: RealtimeModelFactory[] = [
    openAIRealtimeFactory({ url: config.openai.realtimeUrl, model: config.openai.realtimeModel, apiKey: config.openai.apiKey, log }),
  ];
  if (config.gemini.configured)
    factories.push(geminiLiveFactory({ url: config.gemini.liveUrl, model: config.gemini.liveModel, apiKey: config.gemini.apiKey, log }));
  return realtimeFactories(factories);
}
