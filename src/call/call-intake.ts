import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SpaCalendars } from '../calendar/spa-calendars.js';
import type { Clock } from '../config/clock.js';
import type { Config } from '../config/config.js';
import type { RealtimeModelFactories } from '../realtime/realtime-model.js';
import { describeError, isConnectivityError } from '../storage/connectivity.js';
import { callParticipants, spaIdOfCall } from '../storage/call-lookups.js';
import { voiceConversationId } from '../storage/conversation-ids.js';
import { appendConversationEvent } from '../storage/conversation-timeline.js';
import { queueConversationAnalysis } from '../storage/job-queue.js';
import { registerLiveCall } from '../storage/live-call-repository.js';
import type { Database } from '../storage/schema.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import { TERMINAL_TWILIO_STATUSES } from '../storage/twilio-call-status.js';
import { findVoiceCallEnding, findVoiceCallState, type VoiceCallState } from '../storage/voice-call-repository.js';
import type { WriteQueue } from '../storage/write-queue.js';
import type { MediaStream } from '../telephony/media-stream.js';
import type { StreamContext } from '../telephony/stream-token.js';
import { hangUpTwiml, sayAndHangUpTwiml } from '../telephony/twiml.js';
import type { UrlSeals } from '../telephony/url-seal.js';
import {
  FALLBACK_DIAL_ENDED_PATH,
  FRONT_DESK_DIAL_ENDED_PATH,
  type FrontDeskDialEnd,
  type FrontDeskFollowUp,
  SORRY_UNKNOWN_NUMBER,
  VOICEMAIL_PATH,
  type CallStatusUpdate,
  type IncomingCall,
  type IncomingCallDecision,
  type RecordedVoicemail,
  type VoiceWebhookHandlers,
} from '../telephony/voice-webhooks.js';
import type { PatientTexts, TestLineTexts } from '../tools/tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { afterCall } from './after-call.js';
import { wallClock } from './call-clock.js';
import { UNOBSERVED_CALLS, type CallObservation, type CallObserver } from './call-observer.js';
import type { CallWatcher } from './call-watcher.js';
import { CallRecorder } from './call-recorder.js';
import type { CallerStream } from './caller-stream.js';
import type { CallRecordings } from './recording-writer.js';
import { CallSession, type CallEndReason, type CallLimits } from './call-session.js';
import { startCallSetup, type CallParticipants, type CallSetup } from './call-setup.js';
import {
  frontDeskUnansweredTwiml,
  handOverTwiml,
  SORRY_TECHNICAL_TROUBLE,
  VOICEMAIL_THANKS,
  type HandOverSituation,
  type HandOverUrls,
} from './hand-over.js';
import { frontDeskDialEnded, recordRoute, ringFrontDesk, routeIncomingCall, type FrontDeskRoutingDependencies } from './front-desk-routing.js';
import { KnownCalls } from './known-calls.js';
import { transferWhisperTwiml, type WarmTransfers } from './warm-transfer.js';
import type { LiveCalls } from './live-calls.js';
import { PrewarmedSessions } from './prewarmed-sessions.js';
import type { SpaDirectory } from './spa-directory.js';
import { CallStreamAdmission } from './stream-admission.js';
import type { TransferCall } from './call-transfer.js';

/** Where a test-line call shows what happens in it: turns, events, latencies, and the texts a patient would get. */
export interface TestCallPage extends CallWatcher, TestLineTexts {}

/** Texts of a test call (a verification code) go to the page, never to a phone. */
function pageTexts(page: TestCallPage): PatientTexts {
  return {
    send: async (text) => {
      page.show({ purpose: text.purpose, body: text.body });
      return 'sent';
    },
  };
}

/** Twilio's end of a call queues its analysis this late, unless the call's own end queued it sooner. */
const ANALYSIS_SAFETY_NET_MS = 30_000;

/**
 * How long a webhook waits for its write to reach the database (and for what it returns, e.g. the
 * caller's customer id). Past it, or at once while the database is known to be away, the call goes
 * on and the write stays queued.
 */
const WEBHOOK_WRITE_WAIT_MS = 2_000;

/**
 * A voice webhook gets a stream only for a call that is new: ringing, no stream started, not
 * ended, and within this long of its first webhook (Twilio's own retries and Fly's replays to
 * another machine come within seconds). Anything else is a replay of a captured, signed request.
 */
const NEW_CALL_WINDOW_MS = 60_000;
const RINGING_STATUSES: ReadonlySet<string> = new Set(['queued', 'initiated', 'ringing']);

/** Why a call whose webhook came (again) is not a new call; undefined when it is. */
function whyNotNew(state: VoiceCallState): string | undefined {
  if (state.ended) return 'ended';
  if (state.streamStarted) return 'stream started';
  if (!RINGING_STATUSES.has(state.twilioStatus)) return `status ${state.twilioStatus}`;
  if (state.sinceFirstWebhookMs > NEW_CALL_WINDOW_MS) return 'first webhook too long ago';
  return undefined;
}

/** Endings after which the caller has heard a goodbye (or is gone): the call just hangs up. */
const SETTLED_ENDINGS: ReadonlySet<string> = new Set(['assistant', 'caller', 'transfer', 'idle', 'max_length', 'shutdown']);

export interface CallIntakeDependencies {
  db: Kysely<Database>;
  /** Every write of a call goes through it, so calls run while the database is away. */
  writes: WriteQueue;
  spas: SpaDirectory;
  config: Config;
  models: RealtimeModelFactories;
  tools: ToolRegistry;
  calendars: SpaCalendars;
  /** Texts to patients on file (e.g. a verification code); without it, tools that text say they cannot. */
  texts?: PatientTexts;
  liveCalls: LiveCalls;
  log: Logger;
  now: Clock;
  transfer?: TransferCall;
  /** Seals for the URLs we give Twilio: the front desk's <Dial action> (routing modes). */
  dialSeals: UrlSeals;
  /** Warm transfers: the whisper the front desk hears, and its seals. */
  warmTransfers?: WarmTransfers;
  /** True once this machine is shutting down: new calls go elsewhere. */
  isDraining?: () => boolean;
  /** The operator's view of calls (metrics, traces); nothing is observed without it. */
  observer?: CallObserver;
  /** Where calls are recorded, for spas that turned recording on. */
  recordings?: CallRecordings;
}

/**
 * This machine's call controller, facing Twilio's voice webhooks: the webhook decides who is calling
 * whom and opens the model session right away (so the greeting is ready when the stream starts);
 * the stream then becomes a CallSession; after it ends, `afterCall` does the rest.
 */
export class CallIntake implements VoiceWebhookHandlers {
  private readonly knownCalls: KnownCalls;
  private readonly prewarmed: PrewarmedSessions;
  private readonly limits: CallLimits;
  private readonly handOverUrls: HandOverUrls;
  private readonly routing: FrontDeskRoutingDependencies;
  /** Lets each media stream in once, across machines, and never for a call that has ended. */
  readonly admission: CallStreamAdmission;
  private readonly observer: CallObserver;
  /** Calls observed from their webhook, until their stream takes the observation (or never comes). */
  private readonly observations = new Map<string, CallObservation>();

  constructor(private readonly deps: CallIntakeDependencies) {
    const { calls, publicBaseUrl } = deps.config;
    this.knownCalls = new KnownCalls();
    this.observer = deps.observer ?? UNOBSERVED_CALLS;
    // The stream never came (or went to another machine): forget the call here.
    this.prewarmed = new PrewarmedSessions((callSid, conversationId) => {
      if (!deps.liveCalls.get(callSid)) this.knownCalls.forget(conversationId);
      this.dropObservation(callSid);
    });
    this.limits = {
      maxCallMs: calls.maxCallSeconds * 1000,
      idlePromptMs: calls.idlePromptSeconds * 1000,
      idleHangupMs: calls.idleHangupSeconds * 1000,
      modelSessionMaxMs: calls.modelSessionMaxSeconds * 1000,
    };
    this.handOverUrls = { dialEnded: `${publicBaseUrl}${FALLBACK_DIAL_ENDED_PATH}`, voicemail: `${publicBaseUrl}${VOICEMAIL_PATH}` };
    this.routing = { seals: deps.dialSeals, writes: deps.writes, dialEndedUrl: `${publicBaseUrl}${FRONT_DESK_DIAL_ENDED_PATH}` };
    this.admission = new CallStreamAdmission({ writes: deps.writes, liveCalls: deps.liveCalls, machineId: deps.config.machineId });
  }

  /** Calls this machine carries or has promised to (webhook answered, stream not here yet). */
  get load(): { live: number; max: number } {
    return { live: this.deps.liveCalls.size + this.prewarmed.size, max: this.deps.config.calls.maxLive };
  }

  async onIncomingCall(call: IncomingCall, log: FastifyBaseLogger): Promise<IncomingCallDecision> {
    const { spas, writes } = this.deps;
    let spaId: string | undefined;
    try {
      spaId = await spas.spaIdForNumber(call.to);
    } catch (error) {
      if (!isConnectivityError(error)) throw error;
      log.error({ reason: describeError(error) }, 'cannot tell which spa this number belongs to while the database is away');
      return { kind: 'refuse', message: SORRY_TECHNICAL_TROUBLE };
    }
    if (!spaId) {
      this.observer.callRejected('unknown_number');
      log.warn('call to a number no spa answers on');
      return { kind: 'refuse', message: SORRY_UNKNOWN_NUMBER };
    }
    const opened = await writes.submit(
      {
        type: 'open_voice_call',
        conversationId: voiceConversationId(call.callSid),
        spaId,
        callSid: call.callSid,
        from: call.from,
        to: call.to,
        startedAt: wallClock().toISOString(),
      },
      WEBHOOK_WRITE_WAIT_MS,
    );
    if (opened.status === 'dead-lettered') throw new Error('the database refused to open the call record');
    if (opened.status === 'pending') log.warn('database unreachable: the call goes on, its record waits in the write queue');
    // A call recorded before conversation ids came from the CallSid keeps its old id.
    const conversationId = opened.status === 'applied' ? opened.result.conversationId : voiceConversationId(call.callSid);
    const customerId = opened.status === 'applied' ? opened.result.customerId : null;
    const preferredLanguage = opened.status === 'applied' ? opened.result.preferredLanguage : null;
    // The record decides, and what this machine saw of the call too: while the database is away
    // that is all there is (a replay this machine cannot recognise then gets a stream, but the
    // ended call's record is still guarded where it is written, see finishVoiceCall).
    const sinceFirstHere = this.knownCalls.webhookSeen(call.callSid);
    const state = opened.status === 'applied' ? await this.callState(call.callSid, log) : undefined;
    const notNew = (state ? whyNotNew(state) : undefined) ?? this.whyNotNewHere(call.callSid, sinceFirstHere);
    if (notNew) {
      this.observer.callRejected('forged');
      return { kind: 'replay', reason: notNew };
    }
    // Beyond its limit a machine would make every call on it choppy: send the new one elsewhere
    // (another machine, or people). The conversation exists either way, so a voicemail has a home.
    const busy = this.deps.isDraining?.() ? 'draining' : this.load.live >= this.load.max ? 'full' : undefined;
    if (busy) {
      this.observer.callRejected(busy === 'full' ? 'overload' : 'draining');
      await appendConversationEvent(this.deps.db, conversationId, 'diverted', { reason: busy, machine: this.deps.config.machineId }).catch(
        (error: unknown) => log.warn({ err: error }, 'could not note the diversion on the record'),
      );
      const spa = await spas.profile(spaId).catch(() => undefined);
      return { kind: 'divert', reason: busy, twiml: this.handOver(spa, 'busy') };
    }
    const participants = { spaId, conversationId, customerId, customerPhone: call.from, preferredLanguage };
    // A spa that cannot be read now is answered by the receptionist, who needs no routing.
    const spa = await spas.profile(spaId).catch(() => undefined);
    const route = spa ? routeIncomingCall(spa, this.deps.now()) : ({ kind: 'receptionist' } as const);
    if (route.kind === 'front-desk')
      return { kind: 'ring-front-desk', conversationId, twiml: ringFrontDesk(this.routing, call.callSid, participants, route) };
    recordRoute(writes, call.callSid, 'receptionist', null, null);
    this.knownCalls.remember(participants);
    this.observe(call.callSid, participants);
    this.prewarm(call.callSid, participants);
    return { kind: 'connect', conversationId, context: { spaId, customerId, callerNumber: call.from } };
  }

  async onFrontDeskDialEnded(end: FrontDeskDialEnd, log: FastifyBaseLogger): Promise<FrontDeskFollowUp> {
    const { liveCalls } = this.deps;
    // A replayed callback finds the call streaming or over: it gets a hang-up, never a second receptionist.
    const state = await this.callState(end.callSid, log);
    const stillRinging = !state?.streamStarted && !state?.ended && !liveCalls.get(end.callSid) && !liveCalls.endingOf(end.callSid);
    const outcome = frontDeskDialEnded(
      { ...this.routing, voicemailTwiml: () => frontDeskUnansweredTwiml(this.handOverUrls) },
      end,
      stillRinging,
    );
    log.info({ dialStatus: end.dialStatus, next: outcome.participants ? 'receptionist' : 'twiml' }, 'front desk dial ended');
    if (outcome.participants) {
      this.knownCalls.remember(outcome.participants);
      this.prewarm(end.callSid, outcome.participants);
    }
    return outcome.followUp;
  }

  async onWhisper(parentCallSid: string | undefined, sealed: string | undefined, log: FastifyBaseLogger): Promise<string> {
    return transferWhisperTwiml(this.deps.warmTransfers, parentCallSid, sealed, log);
  }

  /** The call as its record stands now; undefined when the database just went away. */
  private async callState(callSid: string, log: FastifyBaseLogger): Promise<VoiceCallState | undefined> {
    try {
      return await findVoiceCallState(this.deps.db, callSid, wallClock());
    } catch (error) {
      if (!isConnectivityError(error)) throw error;
      log.warn({ reason: describeError(error) }, 'database unreachable: whether this call is new is judged from this machine alone');
      return undefined;
    }
  }

  private whyNotNewHere(callSid: string, sinceFirstWebhookMs: number): string | undefined {
    if (this.deps.liveCalls.get(callSid)) return 'stream started';
    if (this.deps.liveCalls.endingOf(callSid)) return 'ended';
    if (sinceFirstWebhookMs > NEW_CALL_WINDOW_MS) return 'first webhook too long ago';
    return undefined;
  }

  onForgedCall(): void {
    this.observer.callRejected('forged');
  }

  /** The call's trace begins (or begins again, for a caller back from an unanswered transfer). */
  private observe(callSid: string, participants: CallParticipants): void {
    this.dropObservation(callSid);
    const { conversationId, spaId } = participants;
    this.observations.set(callSid, this.observer.callStarted({ callSid, conversationId, spaId, model: this.deps.config.openai.realtimeModel }));
  }

  /** The stream never came here: the call's trace ends at the webhook. */
  private dropObservation(callSid: string): void {
    this.observations.get(callSid)?.abandoned();
    this.observations.delete(callSid);
  }

  async onCallStatus(update: CallStatusUpdate, log: FastifyBaseLogger): Promise<void> {
    const applied = await this.deps.writes.submit(
      {
        type: 'apply_call_status',
        callSid: update.callSid,
        status: update.status,
        durationSeconds: update.durationSeconds ?? null,
        at: wallClock().toISOString(),
      },
      WEBHOOK_WRITE_WAIT_MS,
    );
    if (applied.status === 'applied' && !applied.result.known) log.warn({ status: update.status }, 'status callback for an unknown call');
    if (TERMINAL_TWILIO_STATUSES.includes(update.status)) {
      // Also covers calls whose stream never started, and brings in Twilio's billed duration.
      // (While the database is away the call's own end queues its analysis once its record is in.)
      const conversationId = applied.status === 'applied' ? applied.result.conversationId : null;
      // The job's payload is replaced: it keeps the trace context the call's own end gave it.
      const trace = this.deps.liveCalls.endingOf(update.callSid)?.trace;
      if (conversationId)
        await queueConversationAnalysis(this.deps.db, conversationId, { delayMs: ANALYSIS_SAFETY_NET_MS, keepEarlier: true, ...(trace ? { trace } : {}) }).catch(
          (error: unknown) => log.warn({ err: error }, 'could not queue the call analysis'),
        );
      this.deps.liveCalls.get(update.callSid)?.end('caller');
      this.prewarmed.discard(update.callSid);
    }
  }

  async onStreamEnded(callSid: string, log: FastifyBaseLogger): Promise<string> {
    const ending = this.deps.liveCalls.endingOf(callSid);
    const reason = ending?.reason ?? (await this.endingFromRecord(callSid));
    log.info({ reason: reason ?? 'unknown' }, 'media stream ended');
    if (reason !== undefined && SETTLED_ENDINGS.has(reason)) return hangUpTwiml();
    // The receptionist could not carry on: people take over (front desk, or voicemail).
    const spa = ending?.spa ?? (await this.spaOfCall(callSid).catch(() => undefined));
    return this.handOver(spa, 'trouble');
  }

  async onFallbackDialEnded(callSid: string, dialStatus: string, log: FastifyBaseLogger): Promise<string> {
    log.info({ dialStatus }, 'front desk hand-over ended');
    return dialStatus === 'completed' ? hangUpTwiml() : frontDeskUnansweredTwiml(this.handOverUrls);
  }

  async onVoicemail(voicemail: RecordedVoicemail | undefined, callSid: string, log: FastifyBaseLogger): Promise<string> {
    if (!voicemail) return hangUpTwiml();
    // Through the write queue like every write of a call, so a voicemail left while the database
    // is away is stored once it returns.
    const stored = await this.deps.writes.submit({ type: 'record_voicemail', ...voicemail }, WEBHOOK_WRITE_WAIT_MS);
    if (stored.status === 'applied') {
      if (stored.result.known) log.info({ seconds: voicemail.durationSeconds }, 'voicemail left');
      else log.warn({ recordingSid: voicemail.recordingSid }, 'voicemail for an unknown call');
    } else if (stored.status === 'pending') log.warn('database unreachable: the voicemail waits in the write queue');
    else {
      // The recording stays at Twilio; the log says where, so it can be recovered by hand.
      log.error({ callSid, recordingSid: voicemail.recordingSid, recordingUrl: voicemail.recordingUrl }, 'the database refused a voicemail');
    }
    return sayAndHangUpTwiml(VOICEMAIL_THANKS);
  }

  private handOver(spa: SpaProfile | undefined, situation: HandOverSituation): string {
    return handOverTwiml(spa, this.deps.now(), situation, this.handOverUrls);
  }

  private async spaOfCall(callSid: string): Promise<SpaProfile | undefined> {
    const spaId = await spaIdOfCall(this.deps.db, callSid);
    return spaId ? this.deps.spas.profile(spaId) : undefined;
  }

  /**
   * The call ended on another machine: its record is written just behind the stream's close, so
   * give it a moment rather than apologise for a goodbye that went fine.
   */
  private async endingFromRecord(callSid: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      let ending: string | null | undefined;
      try {
        ending = (await findVoiceCallEnding(this.deps.db, callSid))?.endedBy;
      } catch (error) {
        if (!isConnectivityError(error)) throw error;
        return undefined; // nothing to go on: the caller hears the apology
      }
      if (ending) return ending;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  }

  async onTransferEnded(
    callSid: string,
    dialStatus: string,
    log: FastifyBaseLogger,
  ): Promise<{ conversationId: string; context: StreamContext } | undefined> {
    if (dialStatus === 'completed') return undefined; // staff took the call; it is over now
    // The record decides: it re-opens only a call whose last leg was a transfer to a number.
    const reopened = await this.deps.writes.submit(
      { type: 'reopen_after_transfer', callSid, dialStatus, at: wallClock().toISOString() },
      WEBHOOK_WRITE_WAIT_MS,
    );
    // While the database is away, the call as this machine remembers it (handed to staff here).
    const remembered = this.knownCalls.takeHandedToStaff(callSid);
    const call = reopened.status === 'applied' ? reopened.result : remembered;
    if (!call) {
      if (reopened.status === 'applied') log.warn({ dialStatus }, 'transfer-ended for a call whose last leg was not a transfer (a replay?): no stream');
      else log.error('transfer not answered, and the call is not known here while the database is away');
      return undefined;
    }
    log.info({ dialStatus }, 'transfer not answered; back to the receptionist');
    this.knownCalls.remember(call);
    this.observe(callSid, call);
    this.prewarm(callSid, call);
    return {
      conversationId: call.conversationId,
      context: { spaId: call.spaId, customerId: call.customerId, callerNumber: call.customerPhone },
    };
  }

  /** Turns an authenticated media stream into a call. Synchronous: listeners go on before any await. */
  onStream(stream: MediaStream, log: FastifyBaseLogger): void {
    const observation = this.takeObservation(stream);
    const callLog = this.deps.log.child({ callSid: stream.callSid, conversationId: stream.conversationId, ...observation.logFields });
    const setup = this.prewarmed.take(stream.callSid) ?? this.setupWithoutPrewarm(stream, callLog, observation);
    this.startSession(stream, setup, callLog, observation, {});
    log.info('call connected');
  }

  /**
   * A call on the console's test line: the same session, tools, calendar, record and analysis as a
   * phone call, but no text reaches a real number (they are shown in the page) and nothing can be
   * transferred. Synchronous, like `onStream`.
   */
  onTestStream(stream: CallerStream, participants: CallParticipants, page: TestCallPage): CallSession {
    const { callSid, conversationId } = stream;
    const observation = this.observer.callStarted({ callSid, conversationId, spaId: participants.spaId, model: this.deps.config.openai.realtimeModel });
    const callLog = this.deps.log.child({ callSid, conversationId, testCall: true, ...observation.logFields });
    const setup = observedSetup(startCallSetup({ ...this.deps, log: callLog }, participants), observation);
    setup.catch(() => {}); // the session reports a failed setup
    const session = this.startSession(stream, setup, callLog, observation, { page });
    callLog.info('test call connected');
    return session;
  }

  private startSession(
    stream: CallerStream,
    setup: Promise<CallSetup>,
    callLog: Logger,
    observation: CallObservation,
    test: { page?: TestCallPage },
  ): CallSession {
    const { db, config, liveCalls } = this.deps;
    const page = test.page;
    const session = new CallSession({
      stream,
      setup,
      recorder: new CallRecorder(this.deps.writes, stream.conversationId, stream.streamSid, callLog, wallClock, page),
      tools: this.deps.tools,
      toolContext: {
        db,
        writes: this.deps.writes,
        calendars: this.deps.calendars,
        now: this.deps.now,
        ...(page ? { texts: pageTexts(page), testLine: page } : this.deps.texts ? { texts: this.deps.texts } : {}),
      },
      modelName: config.openai.realtimeModel,
      log: callLog,
      limits: this.limits,
      observation,
      onEnded: (ended: CallSession, reason: CallEndReason) => {
        const trace = observation.traceCarrier();
        liveCalls.ended(ended, reason, trace);
        const { callSid, conversationId, done } = ended;
        afterCall(
          { ...this.deps, knownCalls: this.knownCalls },
          { callSid, conversationId, done, reason, setup, log: callLog, test: page !== undefined, ...(trace ? { trace } : {}) },
        );
      },
      ...(page ? { onReplyLatency: (ms: number) => page.replyLatency(ms) } : {}),
      // A test call is no phone call: there is nothing to hand to a person.
      ...(this.deps.transfer && !page ? { transfer: this.deps.transfer } : {}),
      ...(this.deps.warmTransfers && !page ? { warmTransfers: this.deps.warmTransfers } : {}),
      // Recordings are of phone calls (μ-law on one time line); a test call in the browser is not recorded.
      ...(this.deps.recordings && !page ? { recordings: this.deps.recordings } : {}),
    });
    liveCalls.add(session);
    // Listed for staff on every machine; off the audio path, and the heartbeat mends any miss.
    setup
      .then(({ spaId }) =>
        session.isEnded
          ? undefined
          : registerLiveCall(db, { callSid: stream.callSid, conversationId: stream.conversationId, spaId, machineId: config.machineId }),
      )
      .catch((error: unknown) => callLog.debug({ err: error }, 'live call not listed'));
    return session;
  }

  /** The observation begun at this call's webhook; a stream nobody announced here begins its own. */
  private takeObservation(stream: MediaStream): CallObservation {
    const observation = this.observations.get(stream.callSid);
    this.observations.delete(stream.callSid);
    if (observation) return observation;
    const spaId = stream.context?.spaId ?? 'unknown';
    return this.observer.callStarted({ callSid: stream.callSid, conversationId: stream.conversationId, spaId, model: this.deps.config.openai.realtimeModel });
  }

  private setupWithoutPrewarm(stream: MediaStream, log: Logger, observation: CallObservation): Promise<CallSetup> {
    // The webhook was answered elsewhere (or long ago): who is on the call comes with the signed
    // token, so the spa directory serves it even while the database is away. Only a token issued
    // before tokens carried it needs the database.
    const known = this.knownCalls.participantsOf(stream.conversationId) ?? participantsFromToken(stream);
    const participants = known ? Promise.resolve(known) : callParticipants(this.deps.db, stream.conversationId);
    return observedSetup(
      participants.then((p) => startCallSetup({ ...this.deps, log }, p)),
      observation,
    );
  }

  private prewarm(callSid: string, participants: CallParticipants): void {
    if (this.prewarmed.has(callSid)) return;
    const log = this.deps.log.child({ callSid, conversationId: participants.conversationId });
    const setup = observedSetup(startCallSetup({ ...this.deps, log }, participants), this.observations.get(callSid));
    setup.catch((error: unknown) => log.warn({ err: error }, 'could not open the model session early'));
    this.prewarmed.add(callSid, participants.conversationId, setup);
  }
}

/** The model connection's step of the call's trace: from opening it to the model accepting the session. */
function observedSetup(setup: Promise<CallSetup>, observation: CallObservation | undefined): Promise<CallSetup> {
  if (!observation) return setup;
  const step = observation.modelConnecting();
  setup.then((opened) => opened.ready).then(
    () => step.end('ready'),
    () => step.end('failed'),
  );
  return setup;
}

function participantsFromToken(stream: MediaStream): CallParticipants | undefined {
  const context = stream.context;
  if (!context) return undefined;
  return { spaId: context.spaId, conversationId: stream.conversationId, customerId: context.customerId, customerPhone: context.callerNumber };
}
