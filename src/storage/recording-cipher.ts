import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * How a call recording is kept at rest. The audio (two channels of G.711 μ-law at 8 kHz,
 * interleaved: caller, receptionist) is cut into segments of whole 2-second chunks, one object
 * each; every chunk is sealed on its own with AES-256-GCM under the recording's own data key, so a
 * range read decrypts only the chunks it touches and a segment cut short by a crash loses nothing
 * before it. The data key is wrapped by the service's key (ENCRYPTION_KEY) and stored in every
 * segment's header, so the objects alone can be read back even if the recording's row never
 * reached the database.
 *
 * Segment layout: "MREC", version (1 byte), channels (1), reserved (2), wrapping-key fingerprint
 * (8), wrapped data key (iv 12 + key 32 + tag 16), then chunks of iv (12) + ciphertext + tag (16).
 * Each chunk's additional data binds it to its recording, segment and place, so chunks cannot be
 * moved between recordings or reordered unnoticed.
 */

export const RECORDING_SAMPLE_RATE = 8_000;
export const RECORDING_CHANNELS = 2;
/** Stereo μ-law: one byte per sample per channel. */
export const RECORDING_BYTES_PER_MS = (RECORDING_SAMPLE_RATE * RECORDING_CHANNELS) / 1_000;
export const CHUNK_MS = 2_000;
export const CHUNK_PLAIN_BYTES = CHUNK_MS * RECORDING_BYTES_PER_MS;
export const CHUNKS_PER_SEGMENT = 5;
export const SEGMENT_PLAIN_BYTES = CHUNK_PLAIN_BYTES * CHUNKS_PER_SEGMENT;

const MAGIC = Buffer.from('MREC', 'ascii');
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_KEY_BYTES = IV_BYTES + 32 + TAG_BYTES;
export const SEGMENT_HEADER_BYTES = 4 + 1 + 1 + 2 + 8 + WRAPPED_KEY_BYTES;
export const CHUNK_OVERHEAD = IV_BYTES + TAG_BYTES;
export const CHUNK_STORED_BYTES = CHUNK_PLAIN_BYTES + CHUNK_OVERHEAD;
/** A whole segment as stored: its header and five sealed chunks. */
export const SEGMENT_STORED_BYTES = SEGMENT_HEADER_BYTES + CHUNKS_PER_SEGMENT * CHUNK_STORED_BYTES;

export class RecordingFormatError extends Error {
  readonly code = 'RECORDING_UNREADABLE';
  constructor(message: string) {
    super(message);
    this.name = 'RecordingFormatError';
  }
}

/** Names the wrapping key without revealing it, so a segment sealed under another key says so. */
export function keyFingerprint(wrappingKey: Buffer): Buffer {
  return createHash('sha256').update('recording-wrap:').update(wrappingKey).digest().subarray(0, 8);
}

/** A recording's own key, and the header every one of its segments starts with. */
export interface RecordingKey {
  readonly recordingId: string;
  readonly dataKey: Buffer;
  readonly header: Buffer;
}

export function newRecordingKey(recordingId: string, wrappingKey: Buffer): RecordingKey {
  const dataKey = randomBytes(32);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv);
  cipher.setAAD(Buffer.from(`recording-key:${recordingId}`));
  const wrapped = Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  const header = Buffer.concat([MAGIC, Buffer.from([VERSION, RECORDING_CHANNELS, 0, 0]), keyFingerprint(wrappingKey), wrapped]);
  return { recordingId, dataKey, header };
}

/** Reads a segment's header back into the recording's data key. */
export function openRecordingKey(recordingId: string, header: Buffer, wrappingKey: Buffer): RecordingKey {
  if (header.length < SEGMENT_HEADER_BYTES || !header.subarray(0, 4).equals(MAGIC) || header[4] !== VERSION)
    throw new RecordingFormatError('not a recording segment this version can read');
  if (!header.subarray(8, 16).equals(keyFingerprint(wrappingKey)))
    throw new RecordingFormatError('the recording was sealed under another ENCRYPTION_KEY');
  const wrapped = header.subarray(16, SEGMENT_HEADER_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(`recording-key:${recordingId}`));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES + 32));
    const dataKey = Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES, IV_BYTES + 32)), decipher.final()]);
    return { recordingId, dataKey, header: Buffer.from(header.subarray(0, SEGMENT_HEADER_BYTES)) };
  } catch {
    throw new RecordingFormatError('the recording key does not open (wrong recording or damaged header)');
  }
}

function chunkAad(recordingId: string, segment: number, chunk: number): Buffer {
  return Buffer.from(`recording-chunk:${recordingId}:${segment}:${chunk}`);
}

/** Seals one chunk of audio (at most CHUNK_PLAIN_BYTES): iv, ciphertext, tag. */
export function sealChunk(key: RecordingKey, segment: number, chunk: number, plain: Uint8Array): Buffer {
  const out = Buffer.alloc(plain.length + CHUNK_OVERHEAD);
  sealChunkInto(key, segment, chunk, plain, out, 0);
  return out;
}

/**
 * Seals one chunk into `out` at `offset` (iv, ciphertext, tag) and returns the bytes written:
 * the recording writer keeps a segment in one reused buffer, so the only memory a sealed chunk
 * takes is the cipher's own output, which dies at once. Sealed chunks held as buffers of their
 * own until their segment was written lived long enough to be promoted, and V8 counted them
 * toward its next full collection; those collections stalled every live call (README, recordings).
 */
export function sealChunkInto(key: RecordingKey, segment: number, chunk: number, plain: Uint8Array, out: Buffer, offset: number): number {
  if (out.length - offset < plain.length + CHUNK_OVERHEAD) throw new RangeError('no room for the sealed chunk');
  const iv = out.subarray(offset, offset + IV_BYTES);
  randomFillSync(iv);
  const cipher = createCipheriv('aes-256-gcm', key.dataKey, iv);
  cipher.setAAD(chunkAad(key.recordingId, segment, chunk));
  let at = offset + IV_BYTES;
  at += cipher.update(plain).copy(out, at);
  at += cipher.final().copy(out, at);
  at += cipher.getAuthTag().copy(out, at);
  return at - offset;
}

export function openChunk(key: RecordingKey, segment: number, chunk: number, sealed: Buffer): Buffer {
  if (sealed.length <= CHUNK_OVERHEAD) throw new RecordingFormatError(`chunk ${segment}/${chunk} is cut short`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.dataKey, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(chunkAad(key.recordingId, segment, chunk));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new RecordingFormatError(`chunk ${segment}/${chunk} does not authenticate`);
  }
}

/** Audio bytes held by a stored segment of `storedBytes` (its last chunk may be short). */
export function segmentPlainBytes(storedBytes: number): number {
  const body = storedBytes - SEGMENT_HEADER_BYTES;
  if (body <= 0) return 0;
  const whole = Math.floor(body / CHUNK_STORED_BYTES);
  const rest = body - whole * CHUNK_STORED_BYTES;
  return whole * CHUNK_PLAIN_BYTES + Math.max(0, rest - CHUNK_OVERHEAD);
}

/** Where chunk `chunk` of a segment lies in the stored object (inclusive end, clipped to its size). */
export function chunkStoredRange(chunk: number, storedBytes: number): { start: number; end: number } {
  const start = SEGMENT_HEADER_BYTES + chunk * CHUNK_STORED_BYTES;
  return { start, end: Math.min(storedBytes, start + CHUNK_STORED_BYTES) - 1 };
}

export function segmentKey(prefix: string, segment: number): string {
  return `${prefix}/seg-${String(segment).padStart(6, '0')}.mrec`;
}

export function segmentIndexOf(key: string): number | undefined {
  const match = /\/seg-(\d{6})\.mrec$/.exec(key);
  return match ? Number(match[1]) : undefined;
}
