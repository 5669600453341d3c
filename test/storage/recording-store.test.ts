import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { LocalObjectStore } from '../../src/storage/local-object-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import {
  CHUNK_PLAIN_BYTES,
  CHUNKS_PER_SEGMENT,
  newRecordingKey,
  RecordingFormatError,
  sealChunk,
  sealChunkInto,
  SEGMENT_STORED_BYTES,
  segmentKey,
  SEGMENT_PLAIN_BYTES,
} from '../../src/storage/recording-cipher.js';
import { RecordingReader, WAV_HEADER_BYTES } from '../../src/storage/recording-reader.js';
import { S3ObjectStore } from '../../src/storage/s3-object-store.js';
import { startS3Server } from '../doubles/s3-server.js';

/**
 * Writes `audio` as a recording the way the call's writer does: sealed 2 s chunks, five to a
 * segment, each segment sealed into one reused buffer; every other segment is joined from
 * chunks sealed on their own instead, so both ways of sealing read back alike.
 */
async function writeRecording(store: ObjectStore, prefix: string, id: string, wrappingKey: Buffer, audio: Buffer): Promise<void> {
  const key = newRecordingKey(id, wrappingKey);
  const reused = Buffer.alloc(SEGMENT_STORED_BYTES, 0xaa);
  for (let segment = 0; segment * SEGMENT_PLAIN_BYTES < audio.length; segment += 1) {
    const pieces: Buffer[] = [key.header];
    let filled = key.header.copy(reused, 0);
    for (let chunk = 0; chunk < CHUNKS_PER_SEGMENT; chunk += 1) {
      const start = segment * SEGMENT_PLAIN_BYTES + chunk * CHUNK_PLAIN_BYTES;
      if (start >= audio.length) break;
      const plain = audio.subarray(start, start + CHUNK_PLAIN_BYTES);
      if (segment % 2 === 0) filled += sealChunkInto(key, segment, chunk, plain, reused, filled);
      else pieces.push(sealChunk(key, segment, chunk, plain));
    }
    await store.put(segmentKey(prefix, segment), segment % 2 === 0 ? reused.subarray(0, filled) : Buffer.concat(pieces));
  }
}

async function collect(parts: AsyncGenerator<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const part of parts) all.push(part);
  return Buffer.concat(all);
}

type TapTest = Parameters<Extract<Parameters<typeof t.test>[0], (...args: never[]) => unknown>>[0];

async function behavesAsRecordingStore(t: TapTest, store: ObjectStore): Promise<void> {
  const wrappingKey = randomBytes(32);
  const id = randomUUID();
  const prefix = `recordings/spa/${randomUUID()}/${id}`;
  // 23.5 s of audio: two full segments and a short third one ending in a short chunk.
  const audio = randomBytes(23_500 * 16);
  await writeRecording(store, prefix, id, wrappingKey, audio);

  const reader = await RecordingReader.open(store, prefix, id, wrappingKey);
  t.equal(reader.durationMs, 23_500, 'its length comes from the objects alone');
  t.equal(reader.wavBytes, WAV_HEADER_BYTES + audio.length);

  const whole = await collect(reader.wavRange(0, reader.wavBytes - 1));
  t.equal(whole.subarray(0, 4).toString('ascii'), 'RIFF');
  t.equal(whole.readUInt16LE(20), 7, 'G.711 μ-law');
  t.equal(whole.readUInt16LE(22), 2, 'two channels');
  t.ok(whole.subarray(WAV_HEADER_BYTES).equals(audio), 'the audio decrypts to what was written');

  // A range across a chunk and a segment boundary, as a player seeking would ask.
  const start = WAV_HEADER_BYTES + SEGMENT_PLAIN_BYTES - 1_000;
  const end = start + CHUNK_PLAIN_BYTES + 5_000;
  const part = await collect(reader.wavRange(start, end));
  t.ok(part.equals(whole.subarray(start, end + 1)), 'a seek returns exactly the bytes asked for');
  t.ok((await collect(reader.wavRange(10, 70))).equals(whole.subarray(10, 71)), 'a range straddling the header');

  const other = await RecordingReader.open(store, prefix, id, randomBytes(32));
  await t.rejects(collect(other.wavRange(WAV_HEADER_BYTES, WAV_HEADER_BYTES + 10)), RecordingFormatError, 'another key cannot open it');

  t.equal(await store.deletePrefix(prefix), 3, 'deleting the recording removes its three segments');
  t.same(await store.list(prefix), []);
}

t.test('a recording is written in sealed chunks and read back by range from a local directory', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recordings-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await behavesAsRecordingStore(t, new LocalObjectStore(dir));
});

t.test('a recording is written in sealed chunks and read back by range from an S3 bucket', async (t) => {
  const s3 = await startS3Server();
  const store = new S3ObjectStore(s3.config);
  t.teardown(async () => {
    store.destroy();
    await s3.close();
  });
  await behavesAsRecordingStore(t, store);
});

t.test('an S3 write the server refuses is an error with a stable code, not a crash', async (t) => {
  const s3 = await startS3Server();
  const store = new S3ObjectStore({ ...s3.config, bucket: 'no-such-bucket' });
  t.teardown(async () => {
    store.destroy();
    await s3.close();
  });
  await t.rejects(store.put('recordings/x/seg-000000.mrec', Buffer.from('x')), { code: 'OBJECT_STORE_FAILED' });
});

t.test('the local store makes a recording’s folder when a write finds it missing, for the service user only', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recordings-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new LocalObjectStore(dir);
  const prefix = `recordings/a/${randomUUID()}`;
  await store.put(segmentKey(prefix, 0), Buffer.from('first'));
  await store.put(segmentKey(prefix, 1), Buffer.from('second'));
  t.equal((await stat(path.join(dir, prefix))).mode & 0o777, 0o700, 'the folder is the service user’s alone');
  t.equal((await stat(path.join(dir, segmentKey(prefix, 1)))).mode & 0o777, 0o600, 'and so is each object');
  await store.deletePrefix(prefix);
  await store.put(segmentKey(prefix, 2), Buffer.from('third'));
  t.same(
    (await store.list(prefix)).map((o) => o.key),
    [segmentKey(prefix, 2)],
    'a folder deleted between two writes is made again',
  );
  t.same(await readdir(path.join(dir, prefix)), ['seg-000002.mrec'], 'no half-written file is left beside it');
  t.equal((await store.getRange(segmentKey(prefix, 2), 0, 99)).toString(), 'third');
});

t.test('nothing at rest holds the audio in the clear', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recordings-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new LocalObjectStore(dir);
  const audio = Buffer.alloc(CHUNK_PLAIN_BYTES * 2, 'call audio! ');
  const id = randomUUID();
  await writeRecording(store, `recordings/a/${id}`, id, randomBytes(32), audio);
  const stored = await readFile(path.join(dir, `recordings/a/${id}/seg-000000.mrec`));
  t.equal(stored.indexOf('call audio'), -1);
});

t.test('a segment that never landed ends what can be played, without breaking what came before', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'recordings-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new LocalObjectStore(dir);
  const wrappingKey = randomBytes(32);
  const id = randomUUID();
  const prefix = `recordings/a/${id}`;
  await writeRecording(store, prefix, id, wrappingKey, randomBytes(SEGMENT_PLAIN_BYTES * 3));
  await rm(path.join(dir, segmentKey(prefix, 1)));
  const reader = await RecordingReader.open(store, prefix, id, wrappingKey);
  t.equal(reader.durationMs, 10_000, 'the first segment, up to the gap');
});
