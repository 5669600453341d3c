import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { RecordingsS3Config } from '../../src/config/config.js';

/**
 * A real S3-protocol server on loopback (s3rver: SigV4 signatures checked, objects on disk, range
 * reads, listing, multi-object delete), so the S3 store is tested through the AWS SDK over HTTP
 * rather than against a mock of the SDK.
 */
export interface S3TestServer {
  config: RecordingsS3Config;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'recordings'): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  return {
    // s3rver's fixed credentials; a request signed with anything else is refused.
    config: {
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
