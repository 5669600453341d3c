import { DatabaseUnavailableError } from './database.js';

/**
 * Tells "the database could not be reached" (wait and try again; the write is fine) apart from
 * "the database refused this write" (trying again will not help). A wrong guess either way is
 * costly: a refused write retried forever blocks every write behind it, and a reachability
 * problem taken for a refusal moves a good write aside.
 */

/** SQLSTATE classes and codes that say nothing about the statement itself. */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57', '58', '40', 'HV'];
const TRANSIENT_SQLSTATES = ['55P03', '3D000', '28000', '28P01'];

/** Node's socket and DNS errors. */
const NETWORK_ERROR_CODES = /^(E[A-Z]+|EAI_[A-Z]+)$/;

/** What pg, pg-pool and Kysely say when there is no usable connection (they carry no code). */
const CONNECTION_MESSAGES =
  /connection terminated|connection (?:error|refused|reset|ended|closed)|timeout exceeded when trying to connect|not queryable|driver has already been destroyed|cannot use a pool after calling end|client was closed|the server closed the connection|timed out after/i;

function sqlState(error: object): string | undefined {
  const code = 'code' in error ? error.code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isConnectivityError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!error || typeof error !== 'object') return false;
  const state = sqlState(error);
  if (state) return TRANSIENT_SQLSTATE_CLASSES.includes(state.slice(0, 2)) || TRANSIENT_SQLSTATES.includes(state);
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && NETWORK_ERROR_CODES.test(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectivityError);
  const message = error instanceof Error ? error.message : '';
  if (CONNECTION_MESSAGES.test(message)) return true;
  return error instanceof Error && error.cause !== undefined && isConnectivityError(error.cause);
}

/**
 * Settles with `work`, or rejects with DatabaseUnavailableError after `ms`. The work itself goes on
 * (a query cannot be taken back); its late failure is swallowed.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`${what} timed out after ${ms} ms`)), ms);
  });
  work.catch(() => {});
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
