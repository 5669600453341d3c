import { GoogleOAuthError } from '../calendar/google-oauth.js';
import { TextSendError } from '../sms/outbound.js';
import { StaffTextError } from '../sms/staff-texts.js';
import { HttpError } from './errors.js';

/**
 * The errors other parts of the service throw on purpose, as the HTTP errors a client can act on;
 * anything else is left alone (and answered as a 500 by the one error handler).
 */
export function httpErrorFor(error: unknown): HttpError | undefined {
  if (error instanceof StaffTextError) return new HttpError(error.code === 'NOT_FOUND' ? 404 : 409, error.code, error.message);
  if (error instanceof TextSendError) return new HttpError(502, 'TEXT_NOT_SENT', `Twilio did not accept the text: ${error.message}`);
  if (error instanceof GoogleOAuthError)
    return new HttpError(error.code === 'OAUTH_NOT_CONFIGURED' ? 503 : 400, error.code, error.message);
  return undefined;
}

/** Runs `work`, rethrowing a known domain error as its HTTP error. */
export async function withHttpErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw httpErrorFor(error) ?? error;
  }
}
