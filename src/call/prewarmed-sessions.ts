import type { CallSetup } from './call-setup.js';

/** How long a model session opened at the webhook waits for its media stream. */
const PREWARM_TTL_MS = 30_000;

interface Prewarmed {
  setup: Promise<CallSetup>;
  timer: NodeJS.Timeout;
  conversationId: string;
}

/**
 * Model sessions opened at the voice webhook, so the greeting is ready the moment the media stream
 * arrives. A session whose stream never comes (it went to another machine, or the caller hung up
 * while it rang) is closed after a while.
 */
export class PrewarmedSessions {
  private readonly entries = new Map<string, Prewarmed>();

  /** `onExpired` hears of each entry dropped unused, with its conversation. */
  constructor(private readonly onExpired: (callSid: string, conversationId: string) => void) {}

  /** Sessions waiting for their streams: calls this machine has promised to carry. */
  get size(): number {
    return this.entries.size;
  }

  has(callSid: string): boolean {
    return this.entries.has(callSid);
  }

  add(callSid: string, conversationId: string, setup: Promise<CallSetup>): void {
    const timer = setTimeout(() => this.discard(callSid), PREWARM_TTL_MS);
    timer.unref();
    this.entries.set(callSid, { setup, timer, conversationId });
  }

  /** The session opened for this call, now taken by its stream. */
  take(callSid: string): Promise<CallSetup> | undefined {
    const entry = this.entries.get(callSid);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(callSid);
    return entry.setup;
  }

  /** Closes the session opened for a call whose stream will not come here. */
  discard(callSid: string): void {
    const entry = this.entries.get(callSid);
    if (!entry) return;
    this.onExpired(callSid, entry.conversationId);
    this.take(callSid)?.then(
      (setup) => setup.model.close(),
      () => {},
    );
  }
}
