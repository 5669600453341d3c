import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Small signed payloads carried in URLs we hand Twilio (a <Dial action>, a <Number url>), so the
 * webhook that comes back knows what we knew when we wrote the TwiML, on whichever machine it
 * lands and while the database is away. Signed, not encrypted: they hold no more than Twilio
 * already has for the call, and request logs never include query strings. Each purpose has its
 * own key, so a seal made for one cannot be used for another. They expire.
 */
export class UrlSeals {
  private readonly key: Buffer;

  constructor(
    secret: string | Buffer,
    purpose: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', `url-seal-v1:${purpose}`).update(secret).digest();
  }

  seal(payload: Record<string, unknown>, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify({ ...payload, exp: this.now() + ttlMs })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The payload of a seal we made that has not expired; undefined for anything else. */
  open(sealed: unknown): Record<string, unknown> | undefined {
    if (typeof sealed !== 'string' || sealed.length > 4_000) return undefined;
    const [body, signature, extra] = sealed.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
    const { exp, ...rest } = payload as Record<string, unknown>;
    if (typeof exp !== 'number' || exp <= this.now()) return undefined;
    return rest;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
