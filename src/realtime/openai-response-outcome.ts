import type { ResponseStatusDetails } from './openai-events.js';
import type { RealtimeResponseFailure, RealtimeResponseStatus } from './realtime-model.js';

/**
 * How an OpenAI Realtime response ended (`response.done`'s `status` and `status_details`), and
 * for a failed one whether trying again is worth it. The provider's error codes are OpenAI's
 * (https://platform.openai.com/docs/guides/error-codes); the call only sees `transient`.
 */

/** A rate limit that lifts within this is worth waiting for; a longer one is not, on a live call. */
export const SHORT_RETRY_MAX_MS = 2_000;

/** Codes and types that the same request will meet again: quota, credentials, a refused request. */
const PERSISTENT = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'invalid_api_key',
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'permission_denied',
  'account_deactivated',
  'organization_deactivated',
  'model_not_found',
  'unsupported_model',
  'access_terminated',
  'unauthorized',
]);

const RATE_LIMITED = new Set(['rate_limit_exceeded', 'rate_limit_error', 'inference_rate_limit_exceeded', 'tokens', 'requests']);

export interface ResponseOutcome {
  status: RealtimeResponseStatus;
  reason?: string;
  failure?: RealtimeResponseFailure;
}

export function responseOutcome(status: string, details: ResponseStatusDetails | null | undefined): ResponseOutcome {
  const reason = details?.reason ?? undefined;
  switch (status) {
    case 'completed':
      return { status };
    case 'cancelled':
    case 'incomplete':
      return reason ? { status, reason } : { status };
    case 'failed':
      return { status, failure: classifyFailure(details?.error) };
    default:
      // `in_progress` (or a status we do not know) in a response.done: it produced nothing usable.
      return { status: 'failed', failure: { code: `status_${status}`, message: `the response ended with status "${status}"`, transient: true } };
  }
}

export function classifyFailure(error: { type?: string | null; code?: string | null; message?: string | null } | null | undefined): RealtimeResponseFailure {
  const code = error?.code ?? error?.type ?? 'unknown';
  const type = error?.type ?? '';
  const message = error?.message ?? '';
  if (PERSISTENT.has(code) || PERSISTENT.has(type)) return { code, message, transient: false };
  if (RATE_LIMITED.has(code) || RATE_LIMITED.has(type)) {
    const retryAfterMs = retryAfterFrom(message);
    if (retryAfterMs === undefined) return { code, message, transient: true };
    return { code, message, transient: retryAfterMs <= SHORT_RETRY_MAX_MS, retryAfterMs };
  }
  // `server_error` and anything unknown: worth another try; failing again makes it persistent.
  return { code, message, transient: true };
}

/** "… Please try again in 1.234s." / "… in 250ms." (OpenAI's rate-limit messages). */
function retryAfterFrom(message: string): number | undefined {
  const match = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message);
  if (!match) return undefined;
  const value = Number(match[1]);
  return Math.ceil(match[2]!.toLowerCase() === 'ms' ? value : value * 1_000);
}
