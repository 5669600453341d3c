/**
 * Where recordings live: a directory under DATA_DIR by default, any S3-compatible bucket when
 * configured. Only what recordings need: whole objects written once, byte ranges read back,
 * listing and deleting by prefix.
 */

export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** Where it writes, for logs and the README (`local:/path`, `s3://bucket`). */
  readonly description: string;
  /** Writes the whole object; a reader never sees it half written. The caller may reuse `body` once it resolves. */
  put(key: string, body: Buffer): Promise<void>;
  /** Bytes `start` to `end` inclusive (clipped to the object's size). */
  getRange(key: string, start: number, end: number): Promise<Buffer>;
  /** Objects under `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes every object under `prefix`; returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
}

export class ObjectStoreError extends Error {
  readonly code = 'OBJECT_STORE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ObjectStoreError';
  }
}

/** Keys are ours (uuids, numbers, slashes); anything else is refused rather than escaped. */
export function assertSafeKey(key: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9/._-]*$/.test(key) || key.includes('..') || key.includes('//'))
    throw new ObjectStoreError(`unsafe object key ${JSON.stringify(key)}`);
}
