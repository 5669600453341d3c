import type { FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';

/**
 * X-Twilio-Signature checks. Twilio signs the URL it requested (our public URL, not the one a proxy
 * handed us) plus every form parameter, so the URL is rebuilt from PUBLIC_BASE_URL.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string | string[]>,
): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** The URL Twilio used for a request that reached us at `pathAndQuery`. */
export function publicUrl(publicBaseUrl: string, pathAndQuery: string): string {
  return `${publicBaseUrl}${pathAndQuery}`;
}

/** The wss:// form of a public path, as written into <Stream url>. */
export function publicWebSocketUrl(publicBaseUrl: string, path: string): string {
  return `${publicBaseUrl.replace(/^http/, 'ws')}${path}`;
}

/** For tests and the call simulator: sign a request exactly as Twilio does. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/** Twilio adds parameters without notice: the signature covers all of them, never a whitelist. */
const formParams = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

export type TwilioForm = Record<string, string | string[]>;

/**
 * The form params of a webhook when its X-Twilio-Signature is right and they can be stored;
 * otherwise answers 403 (bad signature) or 400 (our error shape, no TwiML, a warning without the
 * payload) and returns undefined.
 */
export function verifiedTwilioForm(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { authToken: string; publicBaseUrl: string },
): TwilioForm | undefined {
  const params = formParams.safeParse(request.body ?? {});
  const signature = request.headers['x-twilio-signature'];
  if (
    !params.success ||
    !isValidTwilioSignature(
      options.authToken,
      typeof signature === 'string' ? signature : undefined,
      publicUrl(options.publicBaseUrl, request.url),
      params.data,
    )
  ) {
    request.log.warn(
      { path: request.url.split('?')[0], hasSignature: typeof signature === 'string' },
      'refused webhook with a bad Twilio signature',
    );
    void reply.status(403).send({ error: { code: 'FORBIDDEN', message: 'The X-Twilio-Signature does not match this request.' } });
    return undefined;
  }
  // Postgres text cannot hold U+0000; Twilio never sends one, so a signed form with one is broken.
  if (Object.entries(params.data).some(([key, value]) => [key, value].flat().some((text) => text.includes('\u0000')))) {
    request.log.warn({ path: request.url.split('?')[0] }, 'refused a signed webhook with a NUL character');
    void reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: 'Text may not contain NUL characters (U+0000).' } });
    return undefined;
  }
  return params.data;
}
