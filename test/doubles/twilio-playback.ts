/**
 * Twilio's playback buffer for one media stream, as its media server behaves: the service's audio
 * plays in real time (8 μ-law bytes per ms) from the moment it arrives, a mark is echoed once the
 * audio before it has played, and `clear` drops what has not played and echoes every outstanding
 * mark at once. Nothing here runs on a timer: whoever holds the clock calls `play(now)`, and every
 * arrival plays up to its own time first, so the position is exact at each event.
 *
 * The load bench runs hundreds of these on one clock: an entry is one small object per media
 * message, and audio is only kept when a test wants to listen to it.
 */

const MULAW_BYTES_PER_MS = 8;

interface Entry {
  /** μ-law bytes of this entry not played yet (0 for a mark). */
  bytes: number;
  /** The audio itself, when the caller keeps what it hears. */
  audio: Buffer | undefined;
  mark: string | undefined;
}

export class TwilioPlayback {
  /** μ-law bytes received, played, and waiting to play. */
  receivedBytes = 0;
  playedBytes = 0;
  queuedBytes = 0;
  private queue: Entry[] = [];
  private head = 0;
  private lastPlayAt = 0;
  private carry = 0;

  constructor(
    /** Sends the mark's echo to the service. */
    private readonly echoMark: (name: string) => void,
    /** Receives each piece of audio as it plays (only for audio handed in with its bytes). */
    private readonly heard?: (audio: Buffer) => void,
  ) {}

  /** Nothing is waiting to play and every mark has been echoed. */
  get idle(): boolean {
    return this.head === this.queue.length;
  }

  /** Reply audio arrived: `bytes` of μ-law (and the bytes themselves, to be heard). */
  audio(bytes: number, now: number, audio?: Buffer): void {
    this.play(now);
    this.queue.push({ bytes, audio, mark: undefined });
    this.queuedBytes += bytes;
    this.receivedBytes += bytes;
  }

  mark(name: string, now: number): void {
    this.play(now);
    if (this.idle) this.echoMark(name);
    else this.queue.push({ bytes: 0, audio: undefined, mark: name });
  }

  /** Twilio's `clear`: plays up to now, then drops the rest and echoes every outstanding mark. */
  clear(now: number): void {
    this.play(now);
    for (let i = this.head; i < this.queue.length; i += 1) {
      const mark = this.queue[i]!.mark;
      if (mark !== undefined) this.echoMark(mark);
    }
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  /** Plays queued audio up to `now` in real time, echoing marks as they are reached. */
  play(now: number): void {
    if (this.idle) {
      this.lastPlayAt = now;
      this.carry = 0;
      return;
    }
    const budgetExact = (now - this.lastPlayAt) * MULAW_BYTES_PER_MS + this.carry;
    this.lastPlayAt = now;
    let budget = Math.floor(budgetExact);
    this.carry = budgetExact - budget;
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      if (entry.mark !== undefined) {
        this.head += 1;
        this.echoMark(entry.mark);
        continue;
      }
      if (budget <= 0) break;
      const take = Math.min(budget, entry.bytes);
      if (entry.audio && this.heard) {
        const start = entry.audio.length - entry.bytes;
        this.heard(entry.audio.subarray(start, start + take));
      }
      entry.bytes -= take;
      budget -= take;
      this.playedBytes += take;
      this.queuedBytes -= take;
      if (entry.bytes === 0) this.head += 1;
    }
    if (this.idle) {
      this.queue = [];
      this.head = 0;
      this.carry = 0;
    } else if (this.head > 256) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
