import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * One-time tokens that bind a media stream to the call whose webhook we answered. Put in a TwiML
 * <Parameter> (Twilio strips query strings from stream URLs) and checked on the stream's `start`:
 * signed (no storage needed to verify), short-lived, bound to the CallSid, and refused on reuse.
 *
 * A token also carries who the call is between (spa, conversation, customer ids and the caller's
 * number; never a name), so whichever machine the stream lands on can serve it from its spa
 * directory without reading the database. It is signed, not encrypted: nothing in it is more than
 * Twilio already holds for the call. This machine remembers the tokens it let in; the one use
 * across machines is recorded in the database (`StreamAdmission`).
 */
export interface StreamContext {
  spaId: string;
  customerId: string | null;
  callerNumber: string | null;
  /** Why this stream exists when it is not the call's first, e.g. 'transfer-unanswered'. */
  resume?: string;
  /**
   * How a call's first stream came to the receptionist when it did not come straight to her, e.g.
   * 'front-desk-unanswered' (the front desk rang first), so she opens knowingly.
   */
  opening?: string;
}

export interface StreamTokenClaims {
  callSid: string;
  conversationId: string;
  expiresAt: number;
  /** Unique per token: what a redemption is recorded under. */
  nonce: string;
  /** The call's first stream ('new') or a later one ('resume'). */
  leg: 'new' | 'resume';
  /** Absent only in tokens issued before tokens carried it. */
  context: StreamContext | undefined;
}

export type StreamTokenCheck =
  | { ok: true; claims: StreamTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'wrong-call' | 'reused' };

/** Well above a token's size (~400 characters) and within what a stream <Parameter> may hold. */
const MAX_TOKEN_CHARS = 768;

const optionalText = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === 'string';

export class StreamTokens {
  private readonly key: Buffer;
  /** nonce → expiry, so reuse is refused until the token would have expired anyway. */
  private readonly used = new Map<string, number>();

  constructor(
    secret: string | Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', 'stream-token-v1').update(secret).digest();
  }

  issue(callSid: string, conversationId: string, context?: StreamContext): string {
    const nonce = randomBytes(12).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    const claims = {
      c: callSid,
      v: conversationId,
      e: expiresAt,
      n: nonce,
      ...(context
        ? {
            s: context.spaId,
            u: context.customerId,
            p: context.callerNumber,
            ...(context.resume ? { r: context.resume } : {}),
            ...(context.opening ? { o: context.opening } : {}),
          }
        : {}),
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** Verifies and consumes the token on this machine: a second use of the same token here fails. */
  redeem(token: unknown, callSid: string): StreamTokenCheck {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' };
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };

    let claims: { c?: unknown; v?: unknown; e?: unknown; n?: unknown; s?: unknown; u?: unknown; p?: unknown; r?: unknown; o?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const { c, v, e, n, s, u, p, r, o } = claims;
    if (typeof c !== 'string' || typeof v !== 'string' || typeof e !== 'number' || typeof n !== 'string')
      return { ok: false, reason: 'malformed' };
    if (!optionalText(s) || !optionalText(u) || !optionalText(p) || !(r === undefined || typeof r === 'string') || !(o === undefined || typeof o === 'string'))
      return { ok: false, reason: 'malformed' };
    const now = this.now();
    if (e <= now) return { ok: false, reason: 'expired' };
    if (c !== callSid) return { ok: false, reason: 'wrong-call' };
    this.forgetExpired(now);
    if (this.used.has(n)) return { ok: false, reason: 'reused' };
    this.used.set(n, e);
    const context: StreamContext | undefined =
      typeof s === 'string'
        ? { spaId: s, customerId: u ?? null, callerNumber: p ?? null, ...(r ? { resume: r } : {}), ...(o ? { opening: o } : {}) }
        : undefined;
    return { ok: true, claims: { callSid: c, conversationId: v, expiresAt: e, nonce: n, leg: r ? 'resume' : 'new', context } };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  private forgetExpired(now: number): void {
    for (const [nonce, expiry] of this.used) if (expiry <= now) this.used.delete(nonce);
  }
}
