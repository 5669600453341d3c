import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * One-time tokens that bind a media stream to the call whose webhook we answered. Put in a TwiML
 * <Parameter> (Twilio strips query strings from stream URLs) and checked on the stream's `start`:
 * signed (no storage needed to verify), short-lived, bound to the CallSid, and refused on reuse.
 */
export interface StreamTokenClaims {
  callSid: string;
  conversationId: string;
  expiresAt: number;
}

export type StreamTokenCheck =
  | { ok: true; claims: StreamTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'wrong-call' | 'reused' };

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

  issue(callSid: string, conversationId: string): string {
    const nonce = randomBytes(12).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    const payload = Buffer.from(JSON.stringify({ c: callSid, v: conversationId, e: expiresAt, n: nonce })).toString(
      'base64url',
    );
    return `${payload}.${this.sign(payload)}`;
  }

  /** Verifies and consumes the token: a second use of the same token fails. */
  redeem(token: unknown, callSid: string): StreamTokenCheck {
    if (typeof token !== 'string' || token.length > 512) return { ok: false, reason: 'malformed' };
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };

    let claims: { c?: unknown; v?: unknown; e?: unknown; n?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const { c, v, e, n } = claims;
    if (typeof c !== 'string' || typeof v !== 'string' || typeof e !== 'number' || typeof n !== 'string')
      return { ok: false, reason: 'malformed' };
    const now = this.now();
    if (e <= now) return { ok: false, reason: 'expired' };
    if (c !== callSid) return { ok: false, reason: 'wrong-call' };
    this.forgetExpired(now);
    if (this.used.has(n)) return { ok: false, reason: 'reused' };
    this.used.set(n, e);
    return { ok: true, claims: { callSid: c, conversationId: v, expiresAt: e } };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  private forgetExpired(now: number): void {
    for (const [nonce, expiry] of this.used) if (expiry <= now) this.used.delete(nonce);
  }
}
