import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { appendFile, chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { openSecret, sealSecret } from './secret-box.js';

/**
 * The write queue's files: append-only JSON Lines, one queued write per line. A file is named after
 * the number of its first write (`ops-000000000000042.jsonl`), and numbers only grow, so sorting
 * the names gives the order the writes were made in. A file is removed once every write in it has
 * been applied. Writes the database refused for good go to `dead-letter.jsonl`, never deleted.
 *
 * They hold patients' numbers and words, so the folder is the service user's alone (0700, files
 * 0600), and with `ENCRYPTION_KEY` set every line is sealed (AES-256-GCM, one line at a time, so a
 * line cut short by a crash loses only itself). Plain lines from before a key was set still read.
 */

export interface QueuedWrite {
  /** Position in the one global order of writes (continues across restarts). */
  n: number;
  /** When it was queued, ms since the epoch. */
  at: number;
  /** The write itself, as JSON. */
  json: string;
}

export interface SpillFile {
  readonly path: string;
  readonly firstN: number;
  /** Writes in the file, whether or not applied yet. */
  count: number;
  bytes: number;
  oldestAt: number;
  /** No more appends: it is being read, or it was left by an earlier process. */
  sealed: boolean;
  /** Lines accepted but not yet handed to the OS. */
  unwritten: string[];
  /** Appends in order; settles when everything handed over so far is written. */
  writing: Promise<void>;
}

export type SpillLine = { kind: 'write'; write: QueuedWrite } | { kind: 'malformed'; text: string; reason: string };

const FILE_PATTERN = /^ops-(\d{15})\.jsonl$/;
export const DEAD_LETTER_FILE = 'dead-letter.jsonl';

const lineSchema = z.object({ n: z.number().int().positive(), at: z.iso.datetime({ offset: true }), op: z.record(z.string(), z.unknown()) });

export function serialiseWrite(write: QueuedWrite): string {
  return `{"n":${write.n},"at":${JSON.stringify(new Date(write.at).toISOString())},"op":${write.json}}\n`;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export function parseSpillLines(text: string, key?: Buffer): SpillLine[] {
  const lines: SpillLine[] = [];
  for (const stored of text.split('\n')) {
    if (stored.trim() === '') continue;
    let raw = stored;
    if (!stored.startsWith('{')) {
      try {
        if (!key) throw new Error('no key');
        raw = openSecret(key, stored);
      } catch {
        lines.push({ kind: 'malformed', text: stored, reason: key ? 'cannot be decrypted with ENCRYPTION_KEY' : 'sealed, and ENCRYPTION_KEY is not set' });
        continue;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // e.g. the last line of a file whose process died mid-append
      lines.push({ kind: 'malformed', text: raw, reason: 'not JSON' });
      continue;
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) {
      lines.push({ kind: 'malformed', text: raw, reason: 'not a queued write' });
      continue;
    }
    lines.push({ kind: 'write', write: { n: parsed.data.n, at: Date.parse(parsed.data.at), json: JSON.stringify(parsed.data.op) } });
  }
  return lines;
}

export class SpillDirectory {
  constructor(
    readonly dir: string,
    private readonly key?: Buffer,
  ) {}

  /** A line as it goes to disk: sealed when there is a key. */
  private stored(line: string): string {
    return this.key ? `${sealSecret(this.key, line.endsWith('\n') ? line.slice(0, -1) : line)}\n` : line;
  }

  /** The folder, created or tightened to the service user's alone. */
  private async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    await chmod(this.dir, DIR_MODE);
  }

  fileFor(firstN: number): SpillFile {
    return {
      path: path.join(this.dir, `ops-${String(firstN).padStart(15, '0')}.jsonl`),
      firstN,
      count: 0,
      bytes: 0,
      oldestAt: Date.now(),
      sealed: false,
      unwritten: [],
      writing: Promise.resolve(),
    };
  }

  /** Files left by an earlier process, oldest first, with what is in them. */
  async leftovers(): Promise<{ files: SpillFile[]; lastN: number }> {
    await this.ensureDir();
    const names = (await readdir(this.dir)).filter((name) => FILE_PATTERN.test(name)).sort();
    const files: SpillFile[] = [];
    let lastN = 0;
    for (const name of names) {
      const file = this.fileFor(Number(FILE_PATTERN.exec(name)?.[1]));
      const text = await readFile(file.path, 'utf8');
      const lines = parseSpillLines(text, this.key);
      file.sealed = true;
      file.count = lines.length;
      file.bytes = Buffer.byteLength(text);
      const writes = lines.flatMap((l) => (l.kind === 'write' ? [l.write] : []));
      file.oldestAt = writes[0]?.at ?? Date.now();
      for (const w of writes) lastN = Math.max(lastN, w.n);
      files.push(file);
    }
    return { files, lastN };
  }

  /** Hands a file's waiting lines to the OS, after any earlier append. */
  flush(file: SpillFile): Promise<void> {
    if (file.unwritten.length > 0) {
      const text = file.unwritten.map((line) => this.stored(line)).join('');
      file.unwritten = [];
      file.writing = file.writing.then(() => this.ensureDir()).then(() => appendFile(file.path, text, { mode: FILE_MODE }));
    }
    return file.writing;
  }

  /** For the rare write made after the queue has closed: written before this returns. */
  appendNow(file: SpillFile, line: string): void {
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    chmodSync(this.dir, DIR_MODE);
    appendFileSync(file.path, this.stored(line), { mode: FILE_MODE });
  }

  async read(file: SpillFile): Promise<SpillLine[]> {
    return parseSpillLines(await readFile(file.path, 'utf8'), this.key);
  }

  async remove(file: SpillFile): Promise<void> {
    await rm(file.path, { force: true });
  }

  async deadLetter(entry: { error: string; write?: QueuedWrite; text?: string }): Promise<void> {
    const record = {
      deadLetteredAt: new Date().toISOString(),
      error: entry.error,
      ...(entry.write ? { n: entry.write.n, queuedAt: new Date(entry.write.at).toISOString(), op: JSON.parse(entry.write.json) as unknown } : {}),
      ...(entry.text !== undefined ? { text: entry.text } : {}),
    };
    await this.ensureDir();
    await appendFile(path.join(this.dir, DEAD_LETTER_FILE), this.stored(`${JSON.stringify(record)}\n`), { mode: FILE_MODE });
  }
}
