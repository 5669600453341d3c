import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { StreamContext, StreamTokens } from './stream-token.js';
import { connectStreamTwiml, hangUpTwiml, sayAndHangUpTwiml } from './twiml.js';
import { publicUrl, publicWebSocketUrl, verifiedTwilioForm } from './twilio-signature.js';

export const MEDIA_STREAM_PATH = '/twilio/media';
export const STREAM_ENDED_PATH = '/twilio/voice/stream-ended';
export const TRANSFER_ENDED_PATH = '/twilio/voice/transfer-ended';
/** <Dial action> of a call handed to the front desk because the receptionist could not take it. */
export const FALLBACK_DIAL_ENDED_PATH = '/twilio/voice/fallback-dial-ended';
/** <Record action>: a voicemail was left. */
export const VOICEMAIL_PATH = '/twilio/voice/voicemail';
/** <Dial action> of a call that rang the front desk first (routing modes); `?d=` carries the sealed dial. */
export const FRONT_DESK_DIAL_ENDED_PATH = '/twilio/voice/front-desk-ended';
/** <Number url> of a warm transfer: what the front desk hears before the caller is connected; `?w=` carries the sealed whisper. */
export const WHISPER_PATH = '/twilio/voice/whisper';

const incomingCallSchema = z.looseObject({
  CallSid: z.string().regex(/^CA[0-9a-zA-Z]{32}$/, 'CallSid must be CA followed by 32 characters'),
  AccountSid: z.string().min(1),
  From: z.string().default(''),
  To: z.string().min(1),
  CallerName: z.string().optional(),
});

const statusCallbackSchema = z.looseObject({
  CallSid: z.string().min(1),
  CallStatus: z.enum(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
});

const streamEndedSchema = z.looseObject({ CallSid: z.string().min(1) });
const voicemailSchema = z.looseObject({
  CallSid: z.string().min(1),
  RecordingSid: z.string().max(64).optional(),
  RecordingUrl: z.url({ protocol: /^https?$/ }).max(500).optional(),
  RecordingDuration: z.coerce.number().int().min(0).max(24 * 3600).optional(),
});
const transferEndedSchema = z.looseObject({ CallSid: z.string().min(1), DialCallStatus: z.string().max(40).default('failed') });
const frontDeskEndedSchema = transferEndedSchema.extend({
  DialCallDuration: z.coerce.number().int().min(0).max(24 * 3600).optional(),
});
/** Twilio requests a <Number url> for the dialled leg: its own CallSid, and the caller's as ParentCallSid. */
const whisperSchema = z.looseObject({ CallSid: z.string().min(1), ParentCallSid: z.string().max(64).optional() });
const sealedQuery = z.looseObject({ d: z.string().max(4_000).optional(), w: z.string().max(4_000).optional() });

export type TwilioCallStatus = z.infer<typeof statusCallbackSchema>['CallStatus'];

export interface IncomingCall {
  callSid: string;
  /** E.164 caller number, or null when the caller id is withheld or not a phone number. */
  from: string | null;
  to: string;
}

export type IncomingCallDecision =
  | { kind: 'connect'; conversationId: string; context: StreamContext }
  | { kind: 'refuse'; message: string }
  /**
   * Not a new call: it already streamed, ended, or rang too long ago. Twilio's signatures carry
   * no nonce or time, so this is what a replayed webhook looks like: no stream, just a hang-up.
   */
  | { kind: 'replay'; reason: string }
  /** This machine cannot take the call (draining or full): another machine, else this TwiML. */
  | { kind: 'divert'; reason: 'draining' | 'full'; twiml: string }
  /** The spa's routing rings the front desk first (ready-made TwiML, its <Dial action> sealed). */
  | { kind: 'ring-front-desk'; conversationId: string; twiml: string };

/** How the front desk's <Dial> ended (Twilio's action callback), with the seal we put in its URL. */
export interface FrontDeskDialEnd {
  callSid: string;
  /** DialCallStatus: completed, answered, busy, no-answer, failed, canceled. */
  dialStatus: string;
  /** DialCallDuration: seconds the front desk talked, when it answered. */
  talkedSeconds: number;
  /** The `d` query parameter, as Twilio sent it back (ours to open and check). */
  sealed: string | undefined;
}

/** What follows an unanswered front desk: the receptionist (a stream that knows why), or other TwiML. */
export type FrontDeskFollowUp =
  | { kind: 'receptionist'; conversationId: string; context: StreamContext }
  | { kind: 'twiml'; twiml: string };

export interface RecordedVoicemail {
  callSid: string;
  recordingSid: string;
  recordingUrl: string;
  durationSeconds: number;
}

export interface CallStatusUpdate {
  callSid: string;
  status: TwilioCallStatus;
  durationSeconds: number | undefined;
  sequenceNumber: number | undefined;
}

export interface VoiceWebhookHandlers {
  onIncomingCall(call: IncomingCall, log: FastifyBaseLogger): Promise<IncomingCallDecision>;
  /** A voice webhook was refused: its signature did not match (counted; nothing else happens). */
  onForgedCall?(): void;
  onCallStatus(update: CallStatusUpdate, log: FastifyBaseLogger): Promise<void>;
  /** TwiML for what the caller hears once our media stream has ended (the <Connect action>). */
  onStreamEnded(callSid: string, log: FastifyBaseLogger): Promise<string>;
  /**
   * A transfer's <Dial> ended. Unanswered, and the call's last leg really was a transfer: the
   * conversation to bring the caller back to the receptionist on; otherwise undefined, and the
   * call ends.
   */
  onTransferEnded(
    callSid: string,
    dialStatus: string,
    log: FastifyBaseLogger,
  ): Promise<{ conversationId: string; context: StreamContext } | undefined>;
  /** TwiML after a fallback <Dial> to the front desk ended (unanswered: voicemail). */
  onFallbackDialEnded(callSid: string, dialStatus: string, log: FastifyBaseLogger): Promise<string>;
  /** A voicemail was recorded (none when the caller hung up first). TwiML: thanks and goodbye. */
  onVoicemail(voicemail: RecordedVoicemail | undefined, callSid: string, log: FastifyBaseLogger): Promise<string>;
  /** The front desk rang first (a routing mode) and its <Dial> ended. */
  onFrontDeskDialEnded(end: FrontDeskDialEnd, log: FastifyBaseLogger): Promise<FrontDeskFollowUp>;
  /**
   * TwiML the front desk hears on picking up a warm transfer; the sealed whisper comes from the URL
   * and must be for the call being transferred (`parentCallSid`).
   */
  onWhisper(parentCallSid: string | undefined, sealed: string | undefined, log: FastifyBaseLogger): Promise<string>;
}

/**
 * Fly's proxy replays a request that answers with this header on another machine of the app,
 * and back to this one (marked `fly-replay-failed`) when there is none.
 */
const FLY_REPLAY_ELSEWHERE = 'elsewhere=true;timeout=5s;fallback=force_self';

const E164 = /^\+[1-9]\d{6,14}$/;

/** Withheld, restricted or SIP/client identities are not numbers we can text or look up. */
export function callerNumber(from: string): string | null {
  const trimmed = from.trim();
  // Twilio's stand-ins for withheld caller ids.
  if (['+266696687', '+86282452253', '+8656696687', '+2562533', '+7378742833'].includes(trimmed)) return null;
  return E164.test(trimmed) ? trimmed : null;
}

export const SORRY_UNKNOWN_NUMBER =
  "We're sorry, this number is not set up to take calls yet. Please check the number and try again. Goodbye.";

export function registerVoiceWebhooks(
  app: FastifyInstance,
  options: { config: Config; tokens: StreamTokens; handlers: VoiceWebhookHandlers },
): void {
  const { config, tokens, handlers } = options;

  const signedParams = (request: FastifyRequest, reply: FastifyReply) =>
    verifiedTwilioForm(request, reply, { authToken: config.twilio.authToken, publicBaseUrl: config.publicBaseUrl });

  /** <Connect><Stream> for this call and conversation, with a fresh one-time token that carries who is on it. */
  const streamTwiml = (callSid: string, conversationId: string, context: StreamContext) =>
    connectStreamTwiml({
      streamUrl: publicWebSocketUrl(config.publicBaseUrl, MEDIA_STREAM_PATH),
      actionUrl: publicUrl(config.publicBaseUrl, STREAM_ENDED_PATH),
      parameters: {
        streamToken: tokens.issue(callSid, conversationId, context),
        conversationId,
        ...(context.resume ? { resume: context.resume } : {}),
      },
    });

  function sendTwiml(reply: FastifyReply, twiml: string) {
    return reply.status(200).type('text/xml').send(twiml);
  }

  app.post('/twilio/voice', async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) {
      handlers.onForgedCall?.();
      return reply;
    }
    const call = incomingCallSchema.parse(params);
    const log = request.log.child({ callSid: call.CallSid });
    const decision = await handlers.onIncomingCall(
      { callSid: call.CallSid, from: callerNumber(call.From), to: call.To.trim() },
      log,
    );
    if (decision.kind === 'refuse') return sendTwiml(reply, sayAndHangUpTwiml(decision.message));
    if (decision.kind === 'replay') {
      log.warn({ reason: decision.reason }, 'voice webhook for a call that is not new (a replay?): no stream, hanging up');
      return sendTwiml(reply, hangUpTwiml());
    }
    if (decision.kind === 'divert') {
      const replayed = request.headers['fly-replay-failed'] !== undefined || request.headers['fly-replay-src'] !== undefined;
      log.warn({ reason: decision.reason, replay: config.onFly && !replayed }, 'cannot take this call here; diverting');
      // The TwiML is also the body, so without Fly (or when the replay fails) the caller still gets it.
      if (config.onFly && !replayed) reply.header('fly-replay', FLY_REPLAY_ELSEWHERE);
      return sendTwiml(reply, decision.twiml);
    }
    if (decision.kind === 'ring-front-desk') {
      log.info({ conversationId: decision.conversationId }, 'incoming call rings the front desk first');
      return sendTwiml(reply, decision.twiml);
    }
    log.info({ conversationId: decision.conversationId }, 'incoming call connected to a media stream');
    return sendTwiml(reply, streamTwiml(call.CallSid, decision.conversationId, decision.context));
  });

  app.post('/twilio/voice/status', async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const status = statusCallbackSchema.parse(params);
    await handlers.onCallStatus(
      {
        callSid: status.CallSid,
        status: status.CallStatus,
        durationSeconds: status.CallDuration,
        sequenceNumber: status.SequenceNumber,
      },
      request.log.child({ callSid: status.CallSid }),
    );
    return reply.status(204).send();
  });

  app.post(TRANSFER_ENDED_PATH, async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const { CallSid, DialCallStatus } = transferEndedSchema.parse(params);
    const resume = await handlers.onTransferEnded(CallSid, DialCallStatus, request.log.child({ callSid: CallSid }));
    if (!resume) return sendTwiml(reply, hangUpTwiml());
    return sendTwiml(reply, streamTwiml(CallSid, resume.conversationId, { ...resume.context, resume: 'transfer-unanswered' }));
  });

  app.post(FALLBACK_DIAL_ENDED_PATH, async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const { CallSid, DialCallStatus } = transferEndedSchema.parse(params);
    return sendTwiml(reply, await handlers.onFallbackDialEnded(CallSid, DialCallStatus, request.log.child({ callSid: CallSid })));
  });

  app.post(FRONT_DESK_DIAL_ENDED_PATH, async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const { CallSid, DialCallStatus, DialCallDuration } = frontDeskEndedSchema.parse(params);
    const query = sealedQuery.safeParse(request.query);
    const followUp = await handlers.onFrontDeskDialEnded(
      { callSid: CallSid, dialStatus: DialCallStatus, talkedSeconds: DialCallDuration ?? 0, sealed: query.success ? query.data.d : undefined },
      request.log.child({ callSid: CallSid }),
    );
    if (followUp.kind === 'twiml') return sendTwiml(reply, followUp.twiml);
    return sendTwiml(reply, streamTwiml(CallSid, followUp.conversationId, followUp.context));
  });

  app.post(WHISPER_PATH, async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const { CallSid, ParentCallSid } = whisperSchema.parse(params);
    const query = sealedQuery.safeParse(request.query);
    const log = request.log.child({ callSid: ParentCallSid ?? CallSid });
    return sendTwiml(reply, await handlers.onWhisper(ParentCallSid, query.success ? query.data.w : undefined, log));
  });

  app.post(VOICEMAIL_PATH, async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const recording = voicemailSchema.parse(params);
    const log = request.log.child({ callSid: recording.CallSid });
    const left =
      recording.RecordingSid && recording.RecordingUrl && (recording.RecordingDuration ?? 0) > 0
        ? {
            callSid: recording.CallSid,
            recordingSid: recording.RecordingSid,
            recordingUrl: recording.RecordingUrl,
            durationSeconds: recording.RecordingDuration ?? 0,
          }
        : undefined;
    return sendTwiml(reply, await handlers.onVoicemail(left, recording.CallSid, log));
  });

  app.post(STREAM_ENDED_PATH, async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const { CallSid } = streamEndedSchema.parse(params);
    return sendTwiml(reply, await handlers.onStreamEnded(CallSid, request.log.child({ callSid: CallSid })));
  });
}
