import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/object-store.js';
import {
  CHUNKS_PER_SEGMENT,
  keyFingerprint,
  newRecordingKey,
  RECORDING_BYTES_PER_MS,
  RECORDING_CHANNELS,
  SEGMENT_STORED_BYTES,
  sealChunkInto,
  segmentKey,
  type RecordingKey,
} from '../storage/recording-cipher.js';
import type { WriteQueue } from '../storage/write-queue.js';
import { BLOCK_SAMPLES, type RecordingCapture, returnBlock } from './recording-capture.js';

/** Blocks are sealed this long after their time has passed (late caller frames still land). */
const SEAL_MARGIN_SAMPLES = 4_000;
const SEAL_EVERY_MS = 1_000;
const UPLOAD_ATTEMPTS = 4;
const FIRST_RETRY_MS = 500;
/** Free segment buffers kept for the next segments (of any call). */
const SEGMENT_POOL_LIMIT = 256;
const segmentPool: Buffer[] = [];

/**
 * A segment is sealed into a buffer taken from a shared pool and given back once it is written,
 * so recording allocates nothing that lives past a scavenge: memory that outlives one is promoted,
 * and V8 counts promoted buffers toward its next full collection, which pauses every live call.
 */
function takeSegmentBuffer(): Buffer {
  return segmentPool.pop() ?? Buffer.allocUnsafeSlow(SEGMENT_STORED_BYTES);
}

function returnSegmentBuffer(buffer: Buffer): void {
  if (segmentPool.length < SEGMENT_POOL_LIMIT) segmentPool.push(buffer);
}

/** The format stored, for the row and the player. */
export const RECORDING_FORMAT = 'g711-mulaw-8k-stereo';

/** Where recordings go, shared by every call of the process. */
export interface CallRecordings {
  store: ObjectStore;
  /** ENCRYPTION_KEY (or the development key): wraps each recording's own key. */
  wrappingKey: Buffer;
  writes: WriteQueue;
  log: Logger;
}

export interface RecordedStream {
  spaId: string;
  conversationId: string;
  streamSid: string;
  /** Wall-clock time of the time line's zero (the call's start), so positions map to transcript times. */
  startedAt: Date;
}

export type RecordingEnd = 'complete' | 'declined' | 'failed';

/**
 * Takes a call's capture off the audio path: every second the blocks whose time has passed are
 * sealed (AES-256-GCM, per-recording key) and, five at a time, written to the recording store as
 * a segment, one after another in the background; a failed write is retried with backoff, then
 * the recording is marked failed and the call goes on. The row is written through the write
 * queue, so a database outage only delays it. A machine that dies keeps every segment written.
 */
export class RecordingWriter {
  readonly id = randomUUID();
  readonly prefix: string;
  private readonly key: RecordingKey;
  /** The segment being filled (header, then sealed chunks) and how much of it is. */
  private filling: Buffer | undefined;
  private filled = 0;
  private segment = 0;
  private uploads: Promise<void> = Promise.resolve();
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private finished: Promise<RecordingEnd> | undefined;

  constructor(
    private readonly recordings: CallRecordings,
    private readonly capture: RecordingCapture,
    private readonly stream: RecordedStream,
  ) {
    this.prefix = `recordings/${stream.spaId}/${stream.conversationId}/${this.id}`;
    this.key = newRecordingKey(this.id, recordings.wrappingKey);
  }

  /** The recording begins: its row is queued and sealing starts. */
  start(): void {
    this.recordings.writes.enqueue({
      type: 'open_recording',
      id: this.id,
      conversationId: this.stream.conversationId,
      spaId: this.stream.spaId,
      streamSid: this.stream.streamSid,
      objectPrefix: this.prefix,
      format: RECORDING_FORMAT,
      channels: RECORDING_CHANNELS,
      keyFingerprint: keyFingerprint(this.recordings.wrappingKey).toString('hex'),
      startedAt: this.stream.startedAt.toISOString(),
    });
    this.timer = setInterval(() => this.sealPassed(), SEAL_EVERY_MS);
    this.timer.unref();
  }

  /**
   * Ends the recording: the rest is sealed and written, then the row says how it ended. A
   * recording the caller declined is deleted. Resolves once the objects and the row are queued.
   */
  finish(end: 'complete' | 'declined', endedAt: Date): Promise<RecordingEnd> {
    this.finished ??= this.finishOnce(end, endedAt);
    return this.finished;
  }

  private async finishOnce(end: 'complete' | 'declined', endedAt: Date): Promise<RecordingEnd> {
    clearInterval(this.timer);
    this.capture.stop();
    // Whole milliseconds, so the row's length and the audio's agree to the byte.
    const durationMs = Math.floor(Math.max(this.capture.endSample, this.capture.clockSample()) / 8);
    const endSample = durationMs * 8;
    if (end === 'complete') {
      this.capture.take(Math.ceil(endSample / BLOCK_SAMPLES) * BLOCK_SAMPLES, (block, index) => this.seal(block, index, endSample));
      this.uploadSegment();
    } else {
      this.capture.discard();
      if (this.filling) returnSegmentBuffer(this.filling);
      this.filling = undefined;
    }
    await this.uploads;
    let status: RecordingEnd = this.failure ? 'failed' : end;
    if (end === 'declined') {
      await this.recordings.store.deletePrefix(this.prefix).catch((error: unknown) => {
        status = 'failed';
        this.recordings.log.error({ err: error, recordingId: this.id }, 'could not delete a recording the caller declined');
      });
    }
    this.recordings.writes.enqueue({
      type: 'finish_recording',
      id: this.id,
      status,
      endedAt: endedAt.toISOString(),
      durationMs: status === 'complete' ? durationMs : 0,
      audioBytes: status === 'complete' ? durationMs * RECORDING_BYTES_PER_MS : 0,
      failure: this.failure ?? null,
    });
    return status;
  }

  private sealPassed(): void {
    if (this.failure) return;
    this.capture.take(this.capture.clockSample() - SEAL_MARGIN_SAMPLES, (block, index) => this.seal(block, index, undefined));
  }

  /** Seals one block (its audio up to `endSample` when the recording ends inside it). */
  private seal(block: Buffer, index: number, endSample: number | undefined): void {
    const samples = endSample === undefined ? BLOCK_SAMPLES : Math.min(BLOCK_SAMPLES, endSample - index * BLOCK_SAMPLES);
    if (samples > 0 && !this.failure) {
      const chunk = index % CHUNKS_PER_SEGMENT;
      if (!this.filling) {
        this.filling = takeSegmentBuffer();
        this.filled = this.key.header.copy(this.filling, 0);
      }
      this.filled += sealChunkInto(this.key, Math.floor(index / CHUNKS_PER_SEGMENT), chunk, block.subarray(0, samples * 2), this.filling, this.filled);
      if (chunk === CHUNKS_PER_SEGMENT - 1) this.uploadSegment();
    }
    returnBlock(block);
  }

  private uploadSegment(): void {
    const buffer = this.filling;
    if (!buffer) return;
    const body = buffer.subarray(0, this.filled);
    const key = segmentKey(this.prefix, this.segment);
    this.filling = undefined;
    this.filled = 0;
    this.segment += 1;
    this.uploads = this.uploads.then(() => this.upload(key, body)).finally(() => returnSegmentBuffer(buffer));
  }

  private async upload(key: string, body: Buffer): Promise<void> {
    if (this.failure) return;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.recordings.store.put(key, body);
        return;
      } catch (error) {
        if (attempt >= UPLOAD_ATTEMPTS) {
          this.failure = error instanceof Error ? error.message : String(error);
          this.capture.discard();
          this.recordings.log.error({ err: error, recordingId: this.id }, 'recording could not be written; the call goes on unrecorded');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)));
      }
    }
  }
}
