import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import type { RecordingsS3Config } from '../config/config.js';
import { assertSafeKey, ObjectStoreError, type ObjectStore, type StoredObject } from './object-store.js';

export type S3StoreOptions = RecordingsS3Config;

/** S3 allows at most this many keys in one DeleteObjects request. */
const DELETE_BATCH = 1_000;

/** Recordings in any S3-compatible bucket (AWS S3, Tigris on Fly, R2), through the AWS SDK. */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.description = `s3://${options.bucket}`;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: 3,
    });
  }

  async put(key: string, body: Buffer): Promise<void> {
    assertSafeKey(key);
    // One request body of known length (the SDK would otherwise send a stream chunked).
    await this.send('write', key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length })));
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    assertSafeKey(key);
    const answer = await this.send('read', key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end}` })),
    );
    if (!answer.Body) return Buffer.alloc(0);
    return Buffer.from(await answer.Body.transformToByteArray());
  }

  async list(prefix: string): Promise<StoredObject[]> {
    assertSafeKey(prefix);
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.send('list', prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${prefix}/`, ContinuationToken: token })),
      );
      for (const item of page.Contents ?? []) if (item.Key) objects.push({ key: item.Key, size: item.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const batch = objects.slice(i, i + DELETE_BATCH).map((o) => ({ Key: o.key }));
      const answer = await this.send('delete', prefix, () =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } })),
      );
      if (answer.Errors?.length) throw new ObjectStoreError(`could not delete ${answer.Errors.length} objects under ${prefix}: ${answer.Errors[0]?.Code ?? 'error'}`);
    }
    return objects.length;
  }

  destroy(): void {
    this.client.destroy();
  }

  private async send<T>(what: string, key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const name = error instanceof Error ? error.name : 'error';
      throw new ObjectStoreError(`S3 ${what} of ${key} failed: ${name}`, { cause: error });
    }
  }
}
