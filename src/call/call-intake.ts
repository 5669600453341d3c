import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SpaCalendars } from '../calendar/spa-calendars.js';
import type { Config } from '../config/config.js';
import { realtimePrice } from '../config/model-prices.js';
import type { RealtimeModelFactory } from '../realtime/realtime-model.js';
import {
  applyTwilioCallStatus,
  findVoiceCallEnding,
  openVoiceConversation,
  reopenAfterUnansweredTransfer,
  TERMINAL_TWILIO_STATUSES,
} from '../storage/conversation-repository.js';
import { upsertCustomerByPhone } from '../storage/customer-repository.js';
import { addJob, CALL_FOLLOW_UP_TASK, queueConversationAnalysis } from '../storage/job-queue.js';
import { registerLiveCall, removeLiveCall } from '../storage/live-call-repository.js';
import type { Database } from '../storage/schema.js';
import { findSpaIdByPhone } from '../storage/spa-repository.js';
import type { MediaStream } from '../telephony/media-stream.js';
import { hangUpTwiml, sayAndHangUpTwiml } from '../telephony/twiml.js';
import {
  SORRY_UNKNOWN_NUMBER,
  type CallStatusUpdate,
  type IncomingCall,
  type IncomingCallDecision,
  type VoiceWebhookHandlers,
} from '../telephony/voice-webhooks.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { CallRecorder } from './call-recorder.js';
import { CallSession, type CallEndReason } from './call-session.js';
import { startCallSetup, type CallParticipants, type CallSetup } from './call-setup.js';
import type { LiveCalls } from './live-calls.js';

/** A follow-up text after an unfinished call waits this long (the caller may call straight back). */
export const FOLLOW_UP_DELAY_MS = 10 * 60_000;

/** Twilio's end of a call queues its analysis this late, unless the call's own end queued it sooner. */
const ANALYSIS_SAFETY_NET_MS = 30_000;

/** How long a model session opened at the webhook waits for its media stream. */
const PREWARM_TTL_MS = 30_000;

export const SORRY_TECHNICAL_TROUBLE =
  "I'm so sorry, we're having a technical problem on our end. Please call us back in a few minutes, or leave us a text at this number, and we'll get right back to you. Goodbye.";

export interface CallIntakeDependencies {
  db: Kysely<Database>;
  config: Config;
  models: RealtimeModelFactory;
  tools: ToolRegistry;
  calendars: SpaCalendars;
  liveCalls: LiveCalls;
  log: Logger;
  now: () => Date;
  transfer?: (callSid: string, number: string, announcement: string) => Promise<void>;
}

interface Prewarmed {
  setup: Promise<CallSetup>;
  timer: NodeJS.Timeout;
  conversationId: string;
}

/**
 * Takes calls in: the webhook decides who is calling whom and opens the model session right away
 * (so the greeting is ready when the stream starts); the stream then becomes a CallSession.
 */
export class CallIntake implements VoiceWebhookHandlers {
  private readonly prewarmed = new Map<string, Prewarmed>();
  /** Participants by conversation, for streams whose webhook this machine answered. */
  private readonly participants = new Map<string, CallParticipants>();

  constructor(private readonly deps: CallIntakeDependencies) {}

  async onIncomingCall(call: IncomingCall, log: FastifyBaseLogger): Promise<IncomingCallDecision> {
    const { db } = this.deps;
    const spaId = await findSpaIdByPhone(db, call.to);
    if (!spaId) {
      log.warn('call to a number no spa answers on');
      return { kind: 'refuse', message: SORRY_UNKNOWN_NUMBER };
    }
    const customerId = call.from ? await upsertCustomerByPhone(db, spaId, call.from) : null;
    const { conversationId } = await openVoiceConversation(db, {
      spaId,
      customerId,
      callSid: call.callSid,
      from: call.from,
      to: call.to,
    });
    const participants = { spaId, conversationId, customerId, customerPhone: call.from };
    this.participants.set(conversationId, participants);
    this.prewarm(call.callSid, participants);
    return { kind: 'connect', conversationId };
  }

  async onCallStatus(update: CallStatusUpdate, log: FastifyBaseLogger): Promise<void> {
    const known = await applyTwilioCallStatus(this.deps.db, update);
    if (!known) log.warn({ status: update.status }, 'status callback for an unknown call');
    if (TERMINAL_TWILIO_STATUSES.includes(update.status)) {
      // Also covers calls whose stream never started, and brings in Twilio's billed duration.
      if (known) await queueConversationAnalysis(this.deps.db, known, { delayMs: ANALYSIS_SAFETY_NET_MS, keepEarlier: true });
      this.deps.liveCalls.get(update.callSid)?.end('caller');
      this.discardPrewarm(update.callSid);
    }
  }

  async onStreamEnded(callSid: string, log: FastifyBaseLogger): Promise<string> {
    const reason = this.deps.liveCalls.endingOf(callSid) ?? (await this.endingFromRecord(callSid));
    log.info({ reason: reason ?? 'unknown' }, 'media stream ended');
    if (reason === 'assistant' || reason === 'caller' || reason === 'transfer') return hangUpTwiml();
    return sayAndHangUpTwiml(SORRY_TECHNICAL_TROUBLE);
  }

  /**
   * The call ended on another machine: its record is written just behind the stream's close, so
   * give it a moment rather than apologise for a goodbye that went fine.
   */
  private async endingFromRecord(callSid: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const ending = (await findVoiceCallEnding(this.deps.db, callSid))?.endedBy;
      if (ending) return ending;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  }

  async onTransferEnded(callSid: string, dialStatus: string, log: FastifyBaseLogger): Promise<{ conversationId: string } | undefined> {
    if (dialStatus === 'completed') return undefined; // staff took the call; it is over now
    const call = await reopenAfterUnansweredTransfer(this.deps.db, callSid, dialStatus);
    if (!call) return undefined;
    log.info({ dialStatus }, 'transfer not answered; back to the receptionist');
    this.participants.set(call.conversationId, call);
    this.prewarm(callSid, call);
    return { conversationId: call.conversationId };
  }

  /** Turns an authenticated media stream into a call. Synchronous: listeners go on before any await. */
  onStream(stream: MediaStream, log: FastifyBaseLogger): void {
    const { db, config, liveCalls } = this.deps;
    const callLog = this.deps.log.child({ callSid: stream.callSid, conversationId: stream.conversationId });
    const setup = this.takePrewarm(stream.callSid) ?? this.setupWithoutPrewarm(stream, callLog);
    const session = new CallSession({
      stream,
      setup,
      recorder: new CallRecorder(db, stream.conversationId, callLog),
      tools: this.deps.tools,
      toolContext: { db, calendars: this.deps.calendars, now: this.deps.now },
      modelName: config.openai.realtimeModel,
      price: realtimePrice(config.openai.realtimeModel).price,
      log: callLog,
      onEnded: (ended: CallSession, reason: CallEndReason) => {
        liveCalls.ended(ended, reason);
        this.participants.delete(ended.conversationId);
        callLog.info({ reason }, 'call ended');
        removeLiveCall(db, ended.callSid).catch((error: unknown) => callLog.warn({ err: error }, 'could not unlist the live call'));
        // Summary, outcome, score and cost, once the call's record is written.
        void ended.done.then(() => queueConversationAnalysis(db, ended.conversationId)).catch((error: unknown) => callLog.warn({ err: error }, 'could not queue the call analysis'));
        // A caller who hung up before anything was settled may get a text to finish by message.
        if (reason === 'caller' || reason === 'stream_closed')
          setup
            .then(({ spa, conversationId, customerId }) =>
              spa.settings.followUpAbandonedCalls && customerId
                ? addJob(db, CALL_FOLLOW_UP_TASK, { conversationId }, { jobKey: `follow-up:${conversationId}`, runAt: new Date(Date.now() + FOLLOW_UP_DELAY_MS) })
                : undefined,
            )
            .catch((error: unknown) => callLog.warn({ err: error }, 'could not queue the follow-up text'));
      },
      ...(this.deps.transfer ? { transfer: this.deps.transfer } : {}),
    });
    liveCalls.add(session);
    log.info('call connected');
    // Listed for staff on every machine; off the audio path, and the heartbeat mends any miss.
    setup
      .then(({ spaId }) =>
        session.isEnded
          ? undefined
          : registerLiveCall(db, { callSid: stream.callSid, conversationId: stream.conversationId, spaId, machineId: config.machineId }),
      )
      .catch((error: unknown) => callLog.debug({ err: error }, 'live call not listed'));
  }

  private setupWithoutPrewarm(stream: MediaStream, log: Logger): Promise<CallSetup> {
    // The webhook was answered elsewhere (or long ago): look the call up, then connect.
    const known = this.participants.get(stream.conversationId);
    const participants = known
      ? Promise.resolve(known)
      : this.deps.db
          .selectFrom('conversations')
          .select(['spa_id as spaId', 'id as conversationId', 'customer_id as customerId'])
          .where('id', '=', stream.conversationId)
          .executeTakeFirstOrThrow()
          .then(async (row) => {
            const customer = row.customerId
              ? await this.deps.db.selectFrom('customers').select('phone').where('id', '=', row.customerId).executeTakeFirst()
              : undefined;
            return { ...row, customerPhone: customer?.phone ?? null };
          });
    return participants.then((p) => startCallSetup({ ...this.deps, log }, p));
  }

  private prewarm(callSid: string, participants: CallParticipants): void {
    if (this.prewarmed.has(callSid)) return;
    const log = this.deps.log.child({ callSid, conversationId: participants.conversationId });
    const setup = startCallSetup({ ...this.deps, log }, participants);
    setup.catch((error: unknown) => log.warn({ err: error }, 'could not open the model session early'));
    const timer = setTimeout(() => this.discardPrewarm(callSid), PREWARM_TTL_MS);
    timer.unref();
    this.prewarmed.set(callSid, { setup, timer, conversationId: participants.conversationId });
  }

  private takePrewarm(callSid: string): Promise<CallSetup> | undefined {
    const entry = this.prewarmed.get(callSid);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.prewarmed.delete(callSid);
    return entry.setup;
  }

  private discardPrewarm(callSid: string): void {
    const conversationId = this.prewarmed.get(callSid)?.conversationId;
    // The stream never came (or went to another machine): forget the call here.
    if (conversationId && !this.deps.liveCalls.get(callSid)) this.participants.delete(conversationId);
    const entry = this.takePrewarm(callSid);
    entry?.then(
      (setup) => setup.model.close(),
      () => {},
    );
  }
}
