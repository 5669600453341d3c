import type { Task } from 'graphile-worker';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock.js';
import { deleteEndedAuthFailures } from '../storage/auth-failure-repository.js';
import type { Db } from '../storage/database.js';

export const AUTH_FAILURE_CLEANUP_TASK = 'delete_ended_auth_failures';
/**
 * Hourly at :41 (one run across all machines). A counter is dead once its 15-minute window has
 * ended, and is never read again; deleting them keeps the table to about an hour's failures even
 * when a guesser cycles through many addresses.
 */
export const AUTH_FAILURE_CLEANUP_CRONTAB = `41 * * * * ${AUTH_FAILURE_CLEANUP_TASK}`;

export interface AuthFailureCleanupDeps {
  db: Db;
  now: Clock;
  log: Logger;
}

/** Deletes the counters whose window has ended by the app's clock; returns how many. */
export async function cleanUpAuthFailures(deps: AuthFailureCleanupDeps): Promise<number> {
  const deleted = await deleteEndedAuthFailures(deps.db, deps.now());
  if (deleted > 0) deps.log.debug({ deleted }, 'deleted ended failed-authentication counters');
  return deleted;
}

export function authFailureCleanupTasks(deps: AuthFailureCleanupDeps): Record<string, Task> {
  return {
    [AUTH_FAILURE_CLEANUP_TASK]: async () => {
      await cleanUpAuthFailures(deps);
    },
  };
}
