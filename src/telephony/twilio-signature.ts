import twilio from 'twilio';

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
