import type { Logger } from 'pino';
import type { VoiceCallSummary } from '../storage/voice-call-end-record.js';
import type { WriteOpOf } from '../storage/write-ops.js';
import type { WriteQueue } from '../storage/write-queue.js';
import { wallClock } from './call-clock.js';
import type { CallWatcher } from './call-watcher.js';
import type { FinishedTurn } from './transcript.js';

const FLUSH_DELAY_MS = 250;

type Timeline = WriteOpOf<'append_timeline'>;

/**
 * Write-behind record of one media stream of a conversation. The call path only appends to
 * memory (never awaits); every 250 ms what gathered goes to the write queue as one write, and
 * at the end the rest and the end-of-call summary follow. Turns and events share one sequence so
 * the timeline interleaves them in the order they happened; it counts from 1 within this stream,
 * and where the stream starts in the conversation is settled when its first write is applied.
 */
export class CallRecorder {
  private seq = 0;
  private messages: Timeline['messages'] = [];
  private events: Timeline['events'] = [];
  private timer: NodeJS.Timeout | undefined;
  /** After the end: a late turn (e.g. a transcript that arrives after the hang-up) is queued at once. */
  private finished = false;

  constructor(
    private readonly writes: WriteQueue,
    readonly conversationId: string,
    private readonly streamSid: string,
    private readonly log: Logger,
    /** Stamps events; the same wall clock as the call's (CallSessionOptions.wallClock). */
    private readonly clock: () => Date = wallClock,
    /** Sees every turn and event as it is recorded (the test line's page). */
    private readonly observer?: CallWatcher,
  ) {}

  nextSeq = (): number => {
    this.seq += 1;
    return this.seq;
  };

  turn(turn: FinishedTurn): void {
    this.messages.push({
      seq: turn.seq,
      role: turn.role,
      text: turn.text,
      interrupted: turn.interrupted,
      spokenAt: turn.spokenAt.toISOString(),
    });
    this.observer?.turn(turn);
    this.schedule();
  }

  /** Records an event; returns its place in this stream's sequence. */
  event(type: string, name: string | null, data: unknown): number {
    const seq = this.nextSeq();
    this.events.push({ seq, type, name, data: data ?? {}, at: this.clock().toISOString() });
    this.observer?.event(type, name, data);
    this.schedule();
    return seq;
  }

  /** The conversation is held in `language`: stored on it and as the patient's preferred language. */
  language(language: string): void {
    this.writes.enqueue({ type: 'record_language', conversationId: this.conversationId, language });
  }

  /**
   * Queues everything still pending and the end-of-call summary. Resolves once they are in the
   * database, or, if it is away, once they are safe in the queue's files at shutdown.
   */
  async finish(summary: Omit<VoiceCallSummary, 'conversationId'>): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.finished = true;
    this.flush();
    const n = this.writes.enqueue({
      type: 'finish_voice_call',
      conversationId: this.conversationId,
      streamSid: summary.streamSid,
      streamStartedAt: summary.streamStartedAt?.toISOString() ?? null,
      endedAt: summary.endedAt.toISOString(),
      endedBy: summary.endedBy,
      status: summary.status,
      transferredTo: summary.transferredTo,
      greetingLatencyMs: summary.greetingLatencyMs,
      replyLatenciesMs: summary.replyLatenciesMs,
      ...(summary.bargeIns !== undefined ? { bargeIns: summary.bargeIns } : {}),
      model: summary.model,
      usage: summary.usage,
      costUsd: summary.costUsd,
    });
    const settled = await this.writes.settled(n);
    if (settled.status === 'pending') this.log.warn('call record saved on disk; it is written when the database is back');
    else if (settled.status === 'dead-lettered') this.log.error('the database refused the end of the call record; see the dead-letter file');
  }

  get pending(): number {
    return this.messages.length + this.events.length;
  }

  private schedule(): void {
    if (this.finished) {
      this.flush();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, FLUSH_DELAY_MS);
    this.timer.unref();
  }

  private flush(): void {
    if (this.pending === 0) return;
    this.writes.enqueue({
      type: 'append_timeline',
      conversationId: this.conversationId,
      streamSid: this.streamSid,
      messages: this.messages,
      events: this.events,
    });
    this.messages = [];
    this.events = [];
  }
}
