import { z } from 'zod';
import type { CallRoute } from '../storage/call-route-repository.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import type { WriteQueue } from '../storage/write-queue.js';
import { ringFrontDeskTwiml, hangUpTwiml } from '../telephony/twiml.js';
import type { UrlSeals } from '../telephony/url-seal.js';
import type { FrontDeskDialEnd, FrontDeskFollowUp } from '../telephony/voice-webhooks.js';
import { openingState } from '../tools/spa-lookup.js';
import { wallClock } from './call-clock.js';
import type { CallParticipants } from './call-setup.js';

/**
 * Who answers a new call (the spa's `routing.mode`): the receptionist at once, or the front desk
 * first during opening hours (holidays and closures count as outside hours), and what follows when
 * the desk does not pick up. The desk's <Dial action> carries a sealed note of the call, so the
 * callback needs neither this machine nor the database to know who the caller is and when the
 * ringing began.
 */

export const FRONT_DESK_UNANSWERED = 'front-desk-unanswered';

export type RouteDecision =
  | { kind: 'receptionist' }
  | { kind: 'front-desk'; number: string; ringSeconds: number; unanswered: 'receptionist' | 'voicemail' };

export function routeIncomingCall(spa: SpaProfile, now: Date): RouteDecision {
  const { routing } = spa.settings;
  if (routing.mode === 'receptionist_first' || !spa.transferNumber || !openingState(spa, now).open) return { kind: 'receptionist' };
  return {
    kind: 'front-desk',
    number: spa.transferNumber,
    ringSeconds: routing.frontDeskRingSeconds,
    unanswered: routing.mode === 'front_desk_first' ? 'receptionist' : routing.unansweredFallback,
  };
}

/** The desk may talk with the caller for hours before the <Dial action> comes back. */
const DIAL_SEAL_TTL_MS = 8 * 3600_000;

const dialSealSchema = z.object({
  c: z.string(),
  v: z.string(),
  s: z.string(),
  u: z.string().nullable(),
  p: z.string().nullable(),
  /** When the desk started ringing (ms since the epoch). */
  t: z.number(),
  f: z.enum(['receptionist', 'voicemail']),
});

export interface FrontDeskRoutingDependencies {
  seals: UrlSeals;
  writes: WriteQueue;
  /** The <Dial action> URL without its query. */
  dialEndedUrl: string;
  /** When the desk rang and for how long: the call's wall clock (call-clock.ts) unless a test sets one. */
  wallClock?: () => Date;
}

/** The TwiML that rings the desk, with the caller's number as caller ID; notes the route on the record. */
export function ringFrontDesk(
  deps: FrontDeskRoutingDependencies,
  callSid: string,
  participants: CallParticipants,
  decision: Extract<RouteDecision, { kind: 'front-desk' }>,
): string {
  const sealed = deps.seals.seal(
    {
      c: callSid,
      v: participants.conversationId,
      s: participants.spaId,
      u: participants.customerId,
      p: participants.customerPhone,
      t: (deps.wallClock ?? wallClock)().getTime(),
      f: decision.unanswered,
    },
    DIAL_SEAL_TTL_MS,
  );
  recordRoute(deps.writes, callSid, 'front_desk', null, null);
  return ringFrontDeskTwiml(decision.number, {
    actionUrl: `${deps.dialEndedUrl}?d=${encodeURIComponent(sealed)}`,
    ringSeconds: decision.ringSeconds,
    ...(participants.customerPhone ? { callerId: participants.customerPhone } : {}),
  });
}

export function recordRoute(writes: WriteQueue, callSid: string, route: CallRoute, dialStatus: string | null, ringSeconds: number | null): void {
  writes.enqueue({ type: 'record_call_route', callSid, route, dialStatus, ringSeconds });
}

export interface DialEndedOutcome {
  followUp: FrontDeskFollowUp;
  /** Who is on the call, for a receptionist who takes it now (the session is opened early). */
  participants?: CallParticipants;
}

/**
 * The desk's <Dial> ended. Answered (the desk talked, then hung up), or the caller gave up: the call
 * is over. Unanswered, busy or failed: the receptionist takes it, knowing it waited, or voicemail,
 * as the spa chose. A seal that is not ours, for another call or expired: nothing more happens.
 * `stillRinging` says whether the call has had no stream and has not ended (a replayed callback has).
 */
export function frontDeskDialEnded(
  deps: FrontDeskRoutingDependencies & { voicemailTwiml: () => string },
  end: FrontDeskDialEnd,
  stillRinging: boolean,
): DialEndedOutcome {
  const parsed = dialSealSchema.safeParse(deps.seals.open(end.sealed));
  if (!parsed.success || parsed.data.c !== end.callSid) return { followUp: { kind: 'twiml', twiml: hangUpTwiml() } };
  const seal = parsed.data;
  const rangSeconds = Math.max(0, Math.round(((deps.wallClock ?? wallClock)().getTime() - seal.t) / 1000));
  if (end.dialStatus === 'completed' || end.dialStatus === 'answered') {
    recordRoute(deps.writes, end.callSid, 'front_desk', end.dialStatus, Math.max(0, rangSeconds - end.talkedSeconds));
    return { followUp: { kind: 'twiml', twiml: hangUpTwiml() } };
  }
  if (end.dialStatus === 'canceled') {
    recordRoute(deps.writes, end.callSid, 'front_desk_then_caller_hung_up', end.dialStatus, rangSeconds);
    return { followUp: { kind: 'twiml', twiml: hangUpTwiml() } };
  }
  if (!stillRinging) return { followUp: { kind: 'twiml', twiml: hangUpTwiml() } };
  if (seal.f === 'voicemail') {
    recordRoute(deps.writes, end.callSid, 'front_desk_then_voicemail', end.dialStatus, rangSeconds);
    return { followUp: { kind: 'twiml', twiml: deps.voicemailTwiml() } };
  }
  recordRoute(deps.writes, end.callSid, 'front_desk_then_receptionist', end.dialStatus, rangSeconds);
  const participants = { spaId: seal.s, conversationId: seal.v, customerId: seal.u, customerPhone: seal.p };
  return {
    participants,
    followUp: {
      kind: 'receptionist',
      conversationId: seal.v,
      context: { spaId: seal.s, customerId: seal.u, callerNumber: seal.p, opening: FRONT_DESK_UNANSWERED },
    },
  };
}
