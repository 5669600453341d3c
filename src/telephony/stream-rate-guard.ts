/**
 * Keeps a media stream to the pace of a phone call. Twilio sends 20 ms frames in real time, with
 * short bursts after network jitter; a peer that sends audio much faster than that would flood the
 * model (and our CPU) with speech nobody said. Two token buckets against the wall clock:
 *
 * - caller audio: up to `burstMs` ahead of real time is accepted; frames beyond it are dropped,
 *   and once `maxDroppedMs` has been dropped the peer is plainly not a phone call.
 * - messages of any kind: `messageBurst` at once, `messagesPerSecond` sustained; beyond that the
 *   peer is flooding and the stream is closed.
 */
export interface StreamRateLimits {
  burstMs: number;
  maxDroppedMs: number;
  messageBurst: number;
  messagesPerSecond: number;
}

export const STREAM_RATE_LIMITS: StreamRateLimits = {
  burstMs: 2_000,
  maxDroppedMs: 5_000,
  // Twilio sends 50 media frames a second plus a mark echo per reply chunk: 250/s is five times that.
  messageBurst: 500,
  messagesPerSecond: 250,
};

/** Each frame costs at least a Twilio frame's length, so tiny frames cannot multiply the rate. */
const MIN_FRAME_COST_MS = 20;

export type AudioVerdict = 'accept' | 'drop' | 'close';

export class StreamRateGuard {
  private audioTokensMs: number | undefined;
  private audioRefilledAt = 0;
  private messageTokens: number;
  private messagesRefilledAt: number;
  /** Audio refused so far, in ms (each frame counted at its cost). */
  droppedMs = 0;
  droppedFrames = 0;

  constructor(
    private readonly limits: StreamRateLimits = STREAM_RATE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.messageTokens = limits.messageBurst;
    this.messagesRefilledAt = now();
  }

  /** Counts one message of any kind; false once the peer sends faster than any Twilio stream. */
  message(): boolean {
    const now = this.now();
    this.messageTokens = Math.min(
      this.limits.messageBurst,
      this.messageTokens + ((now - this.messagesRefilledAt) * this.limits.messagesPerSecond) / 1000,
    );
    this.messagesRefilledAt = now;
    if (this.messageTokens < 1) return false;
    this.messageTokens -= 1;
    return true;
  }

  /** Whether a frame of `ms` caller audio may go on. The audio clock starts with the first frame. */
  audio(ms: number): AudioVerdict {
    const now = this.now();
    const cost = Math.max(ms, MIN_FRAME_COST_MS);
    const tokens =
      this.audioTokensMs === undefined ? this.limits.burstMs : Math.min(this.limits.burstMs, this.audioTokensMs + (now - this.audioRefilledAt));
    this.audioRefilledAt = now;
    if (tokens >= cost) {
      this.audioTokensMs = tokens - cost;
      return 'accept';
    }
    this.audioTokensMs = tokens;
    this.droppedMs += cost;
    this.droppedFrames += 1;
    return this.droppedMs > this.limits.maxDroppedMs ? 'close' : 'drop';
  }
}
