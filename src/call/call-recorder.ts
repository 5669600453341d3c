import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  finishVoiceCall,
  insertEvents,
  insertMessages,
  maxConversationSeq,
  type EventRow,
  type MessageRow,
  type VoiceCallSummary,
} from '../storage/conversation-repository.js';
import type { Database } from '../storage/schema.js';
import type { FinishedTurn } from './transcript.js';

const FLUSH_DELAY_MS = 250;
const RETRY_DELAYS_MS = [200, 500, 1_000, 2_000, 4_000];

/**
 * Write-behind record of one conversation. The call path only appends to memory (never awaits);
 * rows are written in batches shortly after, and whatever is left is written when the call ends.
 * Turns and events share one sequence so the timeline interleaves them in the order they happened.
 */
export class CallRecorder {
  private seq = 0;
  /** Offset so a conversation resumed by a new stream continues its sequence. */
  private baseSeq: number | undefined;
  private messages: MessageRow[] = [];
  private events: EventRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly conversationId: string,
    private readonly log: Logger,
  ) {}

  nextSeq = (): number => {
    this.seq += 1;
    return this.seq;
  };

  turn(turn: FinishedTurn): void {
    this.messages.push({
      conversationId: this.conversationId,
      seq: turn.seq,
      role: turn.role,
      text: turn.text,
      interrupted: turn.interrupted,
      spokenAt: turn.spokenAt,
    });
    this.schedule();
  }

  /** Records an event; returns its place in the conversation's sequence. */
  event(type: string, name: string | null, data: unknown): number {
    const seq = this.nextSeq();
    this.events.push({ conversationId: this.conversationId, seq, type, name, data, at: new Date() });
    this.schedule();
    return seq;
  }

  /** Writes everything still pending, then the end-of-call summary. */
  async finish(summary: Omit<VoiceCallSummary, 'conversationId'>): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flushWithRetry();
    await this.withRetry(() => finishVoiceCall(this.db, { ...summary, conversationId: this.conversationId }));
  }

  get pending(): number {
    return this.messages.length + this.events.length;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushWithRetry().catch((error: unknown) =>
        this.log.error({ err: error, pending: this.pending }, 'conversation record not written yet; will retry at the end of the call'),
      );
    }, FLUSH_DELAY_MS);
    this.timer.unref();
  }

  private async flushWithRetry(): Promise<void> {
    // One flush at a time, so batches land in order.
    while (this.flushing) await this.flushing;
    if (this.pending === 0) return;
    this.flushing = this.withRetry(() => this.flushOnce());
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async flushOnce(): Promise<void> {
    if (this.baseSeq === undefined) {
      this.baseSeq = await maxConversationSeq(this.db, this.conversationId);
    }
    const base = this.baseSeq;
    const messages = this.messages.slice();
    const events = this.events.slice();
    // Rows stay queued until written, so a failure loses nothing.
    await this.db.transaction().execute(async (trx) => {
      await insertMessages(trx, messages.map((m) => ({ ...m, seq: m.seq + base })));
      await insertEvents(trx, events.map((e) => ({ ...e, seq: e.seq + base })));
    });
    this.messages = this.messages.slice(messages.length);
    this.events = this.events.slice(events.length);
  }

  private async withRetry(work: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await work();
        return;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) throw error;
        this.log.warn({ err: error, attempt: attempt + 1 }, 'conversation write failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
