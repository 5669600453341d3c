import type { SpaProfile } from '../storage/spa-repository.js';
import { monotonicNow } from './call-clock.js';
import type { CallEndReason, CallSession } from './call-session.js';

const ENDING_MEMORY_MS = 5 * 60_000;

export interface CallEnding {
  reason: CallEndReason;
  at: number;
  /** The call's spa, when it was known: what happens next (front desk, voicemail) depends on it. */
  spa: SpaProfile | undefined;
  /** The call's trace context, so work queued after its end (the analysis) links back to it. */
  trace?: Record<string, string>;
}

/** The calls this machine is carrying now, and how recent ones ended (for the <Connect action>). */
export class LiveCalls {
  constructor(private readonly now: () => number = monotonicNow) {}

  private readonly sessions = new Map<string, CallSession>();
  private readonly endings = new Map<string, CallEnding>();
  /** Calls that ended and whose records are still being written. */
  private readonly writing = new Set<Promise<void>>();

  add(session: CallSession): void {
    this.sessions.set(session.callSid, session);
  }

  ended(session: CallSession, reason: CallEndReason, trace?: Record<string, string>): void {
    if (this.sessions.get(session.callSid) === session) this.sessions.delete(session.callSid);
    const written = session.done.finally(() => this.writing.delete(written));
    this.writing.add(written);
    const now = this.now();
    for (const [callSid, ending] of this.endings) if (now - ending.at > ENDING_MEMORY_MS) this.endings.delete(callSid);
    this.endings.set(session.callSid, { reason, at: now, spa: session.spa, ...(trace ? { trace } : {}) });
  }

  get(callSid: string): CallSession | undefined {
    return this.sessions.get(callSid);
  }

  endingOf(callSid: string): CallEnding | undefined {
    return this.endings.get(callSid);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Resolves once every ended call's record has been written. */
  async recordsWritten(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  all(): CallSession[] {
    return [...this.sessions.values()];
  }
}
