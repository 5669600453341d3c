import twilio from 'twilio';
import type { Config } from '../config/config.js';
import { sayAndDialTwiml } from './twiml.js';

export type TwilioClient = ReturnType<typeof twilio>;

/** The Twilio REST client; TWILIO_API_BASE_URL points it at a fake in tests. */
export function createTwilioClient(config: Config): TwilioClient {
  const client = twilio(config.twilio.accountSid, config.twilio.authToken, { autoRetry: true, maxRetries: 3, timeout: 10_000 });
  if (config.twilio.apiBaseUrl) {
    const base = config.twilio.apiBaseUrl.replace(/\/+$/, '');
    client.api.baseUrl = base;
    client.messaging.baseUrl = base;
  }
  return client;
}

export interface TransferRequest {
  number: string;
  /** What the caller hears while the desk rings (a short hold message). */
  announcement: string;
  /** Shown to the desk: the caller's own number, when known. */
  callerId?: string;
  /** <Number url>: the whisper the desk hears before being connected (a warm transfer). */
  whisperUrl?: string;
}

/**
 * Hands a live call to a person: replacing the call's TwiML ends our media stream, Twilio says the
 * announcement and dials the number (playing the whisper to whoever answers, when there is one).
 */
export async function transferCall(client: TwilioClient, callSid: string, request: TransferRequest, dialEndedUrl: string): Promise<void> {
  const { number, announcement, ...dial } = request;
  await client.calls(callSid).update({ twiml: sayAndDialTwiml(announcement, number, dialEndedUrl, dial) });
}
