import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertSafeKey, ObjectStoreError, type ObjectStore, type StoredObject } from './object-store.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Objects as files under one directory (`DATA_DIR/recordings` by default), so the two-command
 * start records without any account. A file is written beside its name and renamed into place,
 * so a reader (or a crash) never sees half an object. Folders are the service user's alone.
 */
export class LocalObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `local:${root}`;
  }

  async put(key: string, body: Buffer): Promise<void> {
    const file = this.file(key);
    const temporary = `${file}.${randomUUID()}.part`;
    // A recording writes a segment every 10 s into the same folder: it is made when a write
    // finds it missing, not checked before every write (a recursive mkdir costs more than the write).
    await writeFile(temporary, body, { mode: FILE_MODE }).catch(async (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE });
      await writeFile(temporary, body, { mode: FILE_MODE });
    });
    await rename(temporary, file);
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    const handle = await open(this.file(key), 'r').catch((error: unknown) => {
      throw new ObjectStoreError(`no object ${key}`, { cause: error });
    });
    try {
      const size = (await handle.stat()).size;
      const last = Math.min(end, size - 1);
      if (last < start) return Buffer.alloc(0);
      const buffer = Buffer.alloc(last - start + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    assertSafeKey(prefix);
    const dir = path.join(this.root, prefix);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const objects: StoredObject[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.part')) continue;
      const full = path.join(entry.parentPath, entry.name);
      objects.push({ key: path.relative(this.root, full).split(path.sep).join('/'), size: (await stat(full)).size });
    }
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    await rm(path.join(this.root, prefix), { recursive: true, force: true });
    return objects.length;
  }

  private file(key: string): string {
    assertSafeKey(key);
    return path.join(this.root, key);
  }
}
