import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/** The recording store and the key that wraps each recording's own key. */
export interface RecordingStorage {
  store: ObjectStore;
  wrappingKey: Buffer;
}

/**
 * The bucket when RECORDINGS_S3_* is set, else `DATA_DIR/recordings`. Recordings are always
 * encrypted: under ENCRYPTION_KEY (required in production), or, in development without one, under
 * a key generated once and kept in `DATA_DIR/recording-wrap.key` (0600), so the two-command start
 * records too.
 */
export async function openRecordingStorage(config: Pick<Config, 'recordings' | 'encryptionKey' | 'dataDir'>): Promise<RecordingStorage> {
  const store = config.recordings.s3 ? new S3ObjectStore(config.recordings.s3) : new LocalObjectStore(config.recordings.dir);
  return { store, wrappingKey: config.encryptionKey ?? (await developmentWrappingKey(config.dataDir)) };
}

async function developmentWrappingKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'recording-wrap.key');
  const existing = await readFile(file).catch(() => undefined);
  if (existing?.length === 32) return existing;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx': two processes starting at once keep the first one's key.
  await writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  const kept = await readFile(file);
  if (kept.length !== 32) throw new Error(`${file} is not a 32-byte key`);
  return kept;
}
