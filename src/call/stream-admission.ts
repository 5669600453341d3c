import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { WriteQueue } from '../storage/write-queue.js';
import type { AdmissionVerdict, StreamAdmission } from '../telephony/media-stream.js';
import type { StreamTokenClaims } from '../telephony/stream-token.js';
import type { LiveCalls } from './live-calls.js';

/**
 * How long a stream's `start` waits for the database to record its token's use. A local insert
 * takes a few ms; the bound only matters when the database is slow or just went away (while it is
 * known to be away there is no wait at all). Frames that arrive meanwhile are held and delivered
 * in order (media-stream.ts), and the model session opened at the webhook is ready, so the caller
 * hears the greeting at most this much later and loses nothing they said.
 */
export const ADMISSION_WAIT_MS = 300;

/**
 * Lets a media stream in once per token across every machine, and never for a call that has
 * ended. The database decides (a row per redemption, unique on the token's nonce and on a call's
 * first stream); while it is away, this machine's own memory does (the token's one use here, the
 * calls it carries or ended), with a log line, and the redemption is recorded once it is back.
 */
export class CallStreamAdmission implements StreamAdmission {
  constructor(
    private readonly deps: {
      writes: WriteQueue;
      liveCalls: LiveCalls;
      machineId: string;
      waitMs?: number;
    },
  ) {}

  async admit(claims: StreamTokenClaims, streamSid: string, log: FastifyBaseLogger): Promise<AdmissionVerdict> {
    const { liveCalls, writes } = this.deps;
    // What this machine knows already: a call it is carrying, or one whose first stream ended here.
    if (liveCalls.get(claims.callSid)) return { ok: false, reason: 'reused' };
    if (claims.leg === 'new' && liveCalls.endingOf(claims.callSid)) return { ok: false, reason: 'call-ended' };
    const settled = await writes.submit(
      {
        type: 'redeem_stream_token',
        nonce: claims.nonce,
        callSid: claims.callSid,
        conversationId: claims.conversationId,
        leg: claims.leg,
        claimId: randomUUID(),
        streamSid,
        machineId: this.deps.machineId,
        expiresAt: new Date(claims.expiresAt).toISOString(),
      },
      this.deps.waitMs ?? ADMISSION_WAIT_MS,
    );
    if (settled.status === 'applied') {
      const { verdict } = settled.result;
      return verdict === 'redeemed' ? { ok: true } : { ok: false, reason: verdict };
    }
    if (settled.status === 'pending')
      log.warn({ callSid: claims.callSid }, 'database away or slow: stream token checked on this machine only (recorded once it is back)');
    else log.error({ callSid: claims.callSid }, 'the database refused the stream token record: checked on this machine only');
    return { ok: true };
  }
}
