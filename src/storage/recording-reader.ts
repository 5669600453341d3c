import type { ObjectStore } from './object-store.js';
import {
  CHUNK_PLAIN_BYTES,
  chunkStoredRange,
  openChunk,
  openRecordingKey,
  RECORDING_BYTES_PER_MS,
  RECORDING_CHANNELS,
  RECORDING_SAMPLE_RATE,
  RecordingFormatError,
  SEGMENT_HEADER_BYTES,
  SEGMENT_PLAIN_BYTES,
  segmentIndexOf,
  segmentPlainBytes,
  type RecordingKey,
} from './recording-cipher.js';

/** WAVE_FORMAT_MULAW with its fact chunk: RIFF (12) + fmt (8 + 18) + fact (8 + 4) + data header (8). */
export const WAV_HEADER_BYTES = 58;

/** A stereo G.711 μ-law WAV header for `dataBytes` of audio. */
export function mulawWavHeader(dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(RECORDING_CHANNELS, 22);
  header.writeUInt32LE(RECORDING_SAMPLE_RATE, 24);
  header.writeUInt32LE(RECORDING_SAMPLE_RATE * RECORDING_CHANNELS, 28);
  header.writeUInt16LE(RECORDING_CHANNELS, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('fact', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.writeUInt32LE(dataBytes / RECORDING_CHANNELS, 46);
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(dataBytes, 54);
  return header;
}

interface Segment {
  key: string;
  size: number;
  plainBytes: number;
}

/**
 * One recording read back from its segments: how long it is, and any byte range of it as a WAV
 * file, decrypting only the chunks the range touches. Works from the objects alone, so a recording
 * whose machine died mid-call (its row never finished) reads up to the last segment written.
 */
export class RecordingReader {
  private key: RecordingKey | undefined;

  private constructor(
    private readonly store: ObjectStore,
    private readonly recordingId: string,
    private readonly wrappingKey: Buffer,
    private readonly segments: Segment[],
  ) {}

  static async open(store: ObjectStore, prefix: string, recordingId: string, wrappingKey: Buffer): Promise<RecordingReader> {
    const objects = await store.list(prefix);
    const segments: Segment[] = [];
    for (const object of objects) {
      // Segments are written in order; a gap (a write that never landed) ends what can be played.
      if (segmentIndexOf(object.key) !== segments.length) break;
      segments.push({ key: object.key, size: object.size, plainBytes: segmentPlainBytes(object.size) });
      if (segments.at(-1)?.plainBytes !== SEGMENT_PLAIN_BYTES) break;
    }
    return new RecordingReader(store, recordingId, wrappingKey, segments);
  }

  /** Audio bytes (both channels). */
  get audioBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.plainBytes, 0);
  }

  get durationMs(): number {
    return Math.floor(this.audioBytes / RECORDING_BYTES_PER_MS);
  }

  /** Size of the whole WAV file. */
  get wavBytes(): number {
    return WAV_HEADER_BYTES + this.audioBytes;
  }

  /** Bytes `start` to `end` (inclusive) of the WAV file, a chunk's worth at a time. */
  async *wavRange(start: number, end: number): AsyncGenerator<Buffer> {
    if (start < WAV_HEADER_BYTES) yield mulawWavHeader(this.audioBytes).subarray(start, Math.min(end + 1, WAV_HEADER_BYTES));
    const from = Math.max(start, WAV_HEADER_BYTES) - WAV_HEADER_BYTES;
    const to = end - WAV_HEADER_BYTES;
    for (let chunkStart = from - (from % CHUNK_PLAIN_BYTES); chunkStart <= to; chunkStart += CHUNK_PLAIN_BYTES) {
      const plain = await this.chunkAt(chunkStart);
      yield plain.subarray(Math.max(0, from - chunkStart), Math.min(plain.length, to - chunkStart + 1));
    }
  }

  private async chunkAt(audioOffset: number): Promise<Buffer> {
    const segmentIndex = Math.floor(audioOffset / SEGMENT_PLAIN_BYTES);
    const chunk = Math.floor((audioOffset % SEGMENT_PLAIN_BYTES) / CHUNK_PLAIN_BYTES);
    const segment = this.segments[segmentIndex];
    if (!segment) throw new RecordingFormatError(`no segment ${segmentIndex}`);
    const key = await this.recordingKey();
    const range = chunkStoredRange(chunk, segment.size);
    return openChunk(key, segmentIndex, chunk, await this.store.getRange(segment.key, range.start, range.end));
  }

  private async recordingKey(): Promise<RecordingKey> {
    if (this.key) return this.key;
    const first = this.segments[0];
    if (!first) throw new RecordingFormatError('the recording has no audio');
    this.key = openRecordingKey(this.recordingId, await this.store.getRange(first.key, 0, SEGMENT_HEADER_BYTES - 1), this.wrappingKey);
    return this.key;
  }
}
