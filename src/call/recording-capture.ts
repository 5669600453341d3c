import { endianness } from 'node:os';
import { CHUNK_MS, CHUNK_PLAIN_BYTES, RECORDING_SAMPLE_RATE } from '../storage/recording-cipher.js';

/**
 * Both sides of a call on one time line that starts with the call: the caller's audio as it
 * arrived (left) and the receptionist's as it was played (right), handed over as interleaved
 * 8 kHz μ-law.
 *
 * This is the part that runs per frame, so a frame is one native copy (`set`) of the μ-law bytes
 * already at hand (as Twilio sent them, as we sent them) into a preallocated 2-second block that
 * keeps each channel in its own half: no awaits, no logging, no allocation per frame (a block is
 * taken from a shared pool once every 2 s of time line). The two halves are interleaved only when
 * the block is handed over, off the audio path. Audio we send is queued at the carrier and played
 * in real time, so a reply frame lands where the previous one ends, or now if nothing is queued; a
 * `clear` (barge-in) cuts what had not been played yet, so the right channel holds what was heard.
 * Blocks are handed to the writer (recording-writer.ts) once their time has passed.
 */

export const BLOCK_SAMPLES = (CHUNK_MS * RECORDING_SAMPLE_RATE) / 1_000;
const BLOCK_BYTES = CHUNK_PLAIN_BYTES;
/** μ-law for a zero sample. */
export const MULAW_SILENCE = 0xff;
/** Caller audio this far behind the clock means frames went missing: carry on at the clock, leaving silence. */
const CALLER_GAP_SAMPLES = RECORDING_SAMPLE_RATE / 5;
/** Audio queued further ahead than this is not kept (no reply is a minute long). */
const MAX_AHEAD_BLOCKS = 30;
/** Free blocks kept for the next calls. */
const POOL_LIMIT = 512;

const pool: Buffer[] = [];

/** Blocks own their memory from offset 0, so they can be read four bytes at a time. */
function takeBlock(): Buffer {
  return pool.pop() ?? Buffer.from(new ArrayBuffer(BLOCK_BYTES)).fill(MULAW_SILENCE);
}

export function returnBlock(block: Buffer): void {
  if (pool.length >= POOL_LIMIT) return;
  block.fill(MULAW_SILENCE);
  pool.push(block);
}

/** Where each channel's half starts in a block as it is captured. */
const CALLER = 0;
const RECEPTIONIST = BLOCK_SAMPLES;

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Lays a captured block's two halves out as stereo samples (caller, receptionist) in `out`, four
 * samples of each side per step (once per block, in the writer's timer, not per frame).
 */
function interleave(block: Buffer, out: Buffer): void {
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < BLOCK_SAMPLES; i += 1) {
      out[2 * i] = block[CALLER + i] as number;
      out[2 * i + 1] = block[RECEPTIONIST + i] as number;
    }
    return;
  }
  const words = new Uint32Array(block.buffer, block.byteOffset, BLOCK_BYTES / 4);
  const stereo = new Uint32Array(out.buffer, out.byteOffset, BLOCK_BYTES / 4);
  const replyWords = RECEPTIONIST / 4;
  for (let k = 0; k < BLOCK_SAMPLES / 4; k += 1) {
    const c = words[k] as number;
    const r = words[replyWords + k] as number;
    stereo[2 * k] = (c & 0xff) | ((r & 0xff) << 8) | ((c & 0xff00) << 8) | ((r & 0xff00) << 16);
    stereo[2 * k + 1] = ((c >>> 16) & 0xff) | (((r >>> 16) & 0xff) << 8) | ((c >>> 8) & 0xff0000) | (r & 0xff000000);
  }
}

export class RecordingCapture {
  /** Blocks from `firstBlock` on; the ones before were handed over. */
  private readonly window: Buffer[] = [];
  private firstBlock = 0;
  private callerCursor = -1;
  private replyCursor = 0;
  private capturing = true;

  constructor(
    /** Monotonic ms; the time line's zero is the moment the capture was made (the call's start). */
    private readonly now: () => number,
    private readonly startedAt: number = now(),
  ) {}

  get active(): boolean {
    return this.capturing;
  }

  /** Samples since the call started, by the clock. */
  clockSample(): number {
    return Math.floor(((this.now() - this.startedAt) * RECORDING_SAMPLE_RATE) / 1_000);
  }

  /** The first sample not yet handed over: nothing can be written before it any more. */
  get sealedUpTo(): number {
    return this.firstBlock * BLOCK_SAMPLES;
  }

  /** The last sample either channel holds audio for. */
  get endSample(): number {
    return Math.max(this.callerCursor, this.replyCursor, 0);
  }

  /** A frame of caller audio as received (hot path). */
  caller(frame: Uint8Array): void {
    if (!this.capturing) return;
    const clock = this.clockSample();
    let at = this.callerCursor < 0 || this.callerCursor < clock - CALLER_GAP_SAMPLES ? Math.max(0, clock - frame.length) : this.callerCursor;
    if (at < this.sealedUpTo) at = this.sealedUpTo;
    this.place(CALLER, at, frame);
    this.callerCursor = at + frame.length;
  }

  /** A frame of receptionist audio sent to the caller: it plays after what is queued (hot path). */
  reply(frame: Uint8Array): void {
    if (!this.capturing) return;
    const at = Math.max(this.replyCursor, this.clockSample(), this.sealedUpTo);
    this.place(RECEPTIONIST, at, frame);
    this.replyCursor = at + frame.length;
  }

  /** The carrier dropped what was queued (barge-in): what had not played yet was never heard. */
  cleared(): void {
    this.cutReplyAt(this.clockSample());
  }

  /** Nothing more is captured; reply audio still queued at `atSample` was not heard. */
  stop(atSample: number = this.clockSample()): void {
    if (!this.capturing) return;
    this.cutReplyAt(atSample);
    this.capturing = false;
  }

  /**
   * Hands over, oldest first and interleaved, the blocks that end at or before `upToSample`; the
   * writer seals them and gives them back with `returnBlock`.
   */
  take(upToSample: number, into: (block: Buffer, index: number) => void): void {
    while (this.window.length > 0 && (this.firstBlock + 1) * BLOCK_SAMPLES <= upToSample) {
      const captured = this.window.shift() as Buffer;
      const stereo = takeBlock();
      interleave(captured, stereo);
      returnBlock(captured);
      into(stereo, this.firstBlock);
      this.firstBlock += 1;
    }
    // Time that passed without any audio is silence: those blocks are handed over too.
    while (this.window.length === 0 && (this.firstBlock + 1) * BLOCK_SAMPLES <= upToSample) {
      into(takeBlock(), this.firstBlock);
      this.firstBlock += 1;
    }
  }

  /** Gives every block back (nothing will be written). */
  discard(): void {
    this.capturing = false;
    for (const block of this.window.splice(0)) returnBlock(block);
  }

  private cutReplyAt(atSample: number): void {
    const from = Math.max(atSample, this.sealedUpTo);
    for (let s = from; s < this.replyCursor; ) {
      const index = Math.floor(s / BLOCK_SAMPLES);
      const end = Math.min((index + 1) * BLOCK_SAMPLES, this.replyCursor);
      this.block(index)?.fill(MULAW_SILENCE, RECEPTIONIST + s - index * BLOCK_SAMPLES, RECEPTIONIST + end - index * BLOCK_SAMPLES);
      s = end;
    }
    if (this.replyCursor > from) this.replyCursor = from;
  }

  /** Copies a frame into its channel's half; a frame that straddles two blocks is split (once every 2 s). */
  private place(channel: number, at: number, frame: Uint8Array): void {
    let written = 0;
    while (written < frame.length) {
      const sample = at + written;
      const index = Math.floor(sample / BLOCK_SAMPLES);
      const offset = sample - index * BLOCK_SAMPLES;
      const count = Math.min(frame.length - written, BLOCK_SAMPLES - offset);
      const block = this.block(index);
      if (block) block.set(count === frame.length ? frame : frame.subarray(written, written + count), channel + offset);
      written += count;
    }
  }

  private block(index: number): Buffer | undefined {
    const slot = index - this.firstBlock;
    if (slot < 0 || slot >= MAX_AHEAD_BLOCKS) return undefined;
    while (this.window.length <= slot) this.window.push(takeBlock());
    return this.window[slot];
  }
}
