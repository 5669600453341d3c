/**
 * The clocks of call/. Everything in a call reads time through the two injected functions of
 * CallSessionOptions (`now`, `wallClock`); these are their defaults, and the only places call/
 * reads the machine's clocks.
 */

/** Monotonic milliseconds: durations, timeouts, latencies. */
export const monotonicNow = (): number => performance.now();

/** Wall-clock time: stamps that are stored (call start and end, turns, events). */
export const wallClock = (): Date => new Date();
