import { monotonicNow } from './call-clock.js';
import type { CallParticipants } from './call-setup.js';

/** How long a call handed to staff is remembered here, to take it back if nobody answers. */
const TRANSFERRED_MEMORY_MS = 10 * 60_000;
/** How long the first webhook of a call is remembered here, to tell a replay while the database is away. */
const WEBHOOK_MEMORY_MS = 10 * 60_000;

/**
 * What this machine knows about calls beyond their live sessions: who is on a call whose webhook it
 * answered (so the stream needs no database read), and which calls it handed to staff (so one
 * nobody answers can come back while the database is away).
 */
export class KnownCalls {
  private readonly participants = new Map<string, CallParticipants>();
  private readonly transferred = new Map<string, { participants: CallParticipants; at: number }>();
  private readonly firstWebhooks = new Map<string, number>();

  constructor(private readonly now: () => number = monotonicNow) {}

  remember(participants: CallParticipants): void {
    this.participants.set(participants.conversationId, participants);
  }

  participantsOf(conversationId: string): CallParticipants | undefined {
    return this.participants.get(conversationId);
  }

  forget(conversationId: string): void {
    this.participants.delete(conversationId);
  }

  /** Notes a voice webhook for the call; returns how long ago this machine saw its first one (0 now). */
  webhookSeen(callSid: string): number {
    const now = this.now();
    for (const [sid, at] of this.firstWebhooks) {
      if (now - at <= WEBHOOK_MEMORY_MS) break; // in insertion order: the rest are younger
      this.firstWebhooks.delete(sid);
    }
    const first = this.firstWebhooks.get(callSid);
    if (first === undefined) this.firstWebhooks.set(callSid, now);
    return first === undefined ? 0 : now - first;
  }

  handedToStaff(callSid: string, participants: CallParticipants): void {
    const now = this.now();
    for (const [sid, entry] of this.transferred) if (now - entry.at > TRANSFERRED_MEMORY_MS) this.transferred.delete(sid);
    const { spaId, conversationId, customerId, customerPhone } = participants;
    this.transferred.set(callSid, { participants: { spaId, conversationId, customerId, customerPhone }, at: now });
  }

  /** The call as handed to staff, forgotten here once taken. */
  takeHandedToStaff(callSid: string): CallParticipants | undefined {
    const entry = this.transferred.get(callSid);
    this.transferred.delete(callSid);
    return entry?.participants;
  }
}
