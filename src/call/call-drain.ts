import type { Logger } from 'pino';

/** What the drain needs of a live call: be wrapped up politely, be ended, and say when its records are written. */
export interface DrainableCall {
  wrapUpCall(reason: 'shutdown'): void;
  end(reason: 'shutdown'): void;
  readonly done: Promise<void>;
}

export interface DrainDependencies {
  liveCalls: {
    readonly size: number;
    all(): DrainableCall[];
    /** Resolves once every ended call's record has been written. */
    recordsWritten(): Promise<void>;
  };
  /** The call write queue: closed after the last call ends, so its records reach the database or the disk. */
  writes: { close(flushMs: number): Promise<void> };
  logger: Pick<Logger, 'info'>;
  /**
   * Elapsed time in ms (default `Date.now`). Real time, not the calendar clock: a test that fixes
   * the calendar's now must not stop a drain from ever running out.
   */
  clock?: () => number;
}

export interface DrainOptions {
  /** How long live calls may carry on (default 0: end them at once). */
  drainMs?: number;
  /** In the last `wrapUpMs` of the drain, the receptionist wraps the remaining calls up. */
  wrapUpMs?: number;
  /** How long queued writes get to reach the database once the calls have ended; the rest wait on disk. */
  writeFlushMs: number;
}

const POLL_MS = 250;

/**
 * Shutdown, for the calls: let live calls finish for up to `drainMs`; in its last `wrapUpMs` ask
 * the remaining ones to wrap up; then end whatever is left, close the write queue and wait until
 * every call's records are written (to the database, or to disk for the next start).
 */
export async function drainCalls(deps: DrainDependencies, options: DrainOptions): Promise<void> {
  const { liveCalls, writes, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const drainMs = options.drainMs ?? 0;
  const deadline = clock() + drainMs;
  const wrapUpFrom = deadline - Math.min(options.wrapUpMs ?? 0, drainMs);
  const waitUntil = async (until: number) => {
    while (liveCalls.size > 0 && clock() < until) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  };

  await waitUntil(wrapUpFrom);
  if (liveCalls.size > 0 && wrapUpFrom < deadline) {
    logger.info({ calls: liveCalls.size }, 'drain time is nearly up; wrapping up the calls still live');
    for (const call of liveCalls.all()) call.wrapUpCall('shutdown');
    await waitUntil(deadline);
  }
  const calls = liveCalls.all();
  for (const call of calls) call.end('shutdown');
  // Records reach the database, or wait on disk for the next start if it is away; only then
  // can the calls' `done` (which waits for their records) resolve.
  await writes.close(options.writeFlushMs);
  await Promise.all(calls.map((call) => call.done));
  await liveCalls.recordsWritten();
}
