import type { Logger } from 'pino';
import { describeError, isConnectivityError } from './connectivity.js';
import type { Db } from './database.js';
import { serialiseWrite, SpillDirectory, type QueuedWrite, type SpillFile } from './spill-files.js';
import {
  applyWriteOps,
  isMissingReference,
  MISSING_REFERENCE_PATIENCE_MS,
  parseWriteOp,
  type WriteOp,
  type WriteOpOf,
  type WriteOpResults,
  type WriteOpType,
} from './write-ops.js';

const MAX_BATCH = 200;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
const SPILL_FILE_BYTES = 1024 * 1024;

export interface WriteQueueOptions {
  db: Db;
  /** Where writes go when memory is full, and where a stopped process leaves what it could not write. */
  dir: string;
  log: Logger;
  /** Queued writes kept in memory (JSON bytes); beyond it they go to disk. */
  maxMemoryBytes: number;
  /** Seals what goes to disk (ENCRYPTION_KEY); without it the files are plain, readable by the service user only. */
  encryptionKey?: Buffer;
}

export type Settled<K extends WriteOpType = WriteOpType> =
  | { status: 'applied'; result: WriteOpResults[K] }
  /** The database refused it for good; it is in the dead-letter file. */
  | { status: 'dead-lettered' }
  /** Not written yet: still queued (in memory or on disk), or saved on disk at shutdown. */
  | { status: 'pending' };

export interface WriteQueueStats {
  inMemory: number;
  onDisk: number;
  /** Age of the oldest write still waiting, ms. */
  oldestAgeMs: number | null;
  /** The last attempt could not reach the database. */
  degraded: boolean;
  lastError: string | null;
  applied: number;
  deadLettered: number;
}

interface Batch {
  writes: QueuedWrite[];
  fromDisk: boolean;
}

/**
 * The durable, ordered queue every call write goes through. Writes are applied in the order they
 * were made, by one flusher, many to a transaction. When the database cannot be reached the queue
 * keeps them and tries again (250 ms, doubling to 5 s, for ever); beyond `maxMemoryBytes` they go
 * to append-only files on disk, and once anything is on disk every newer write follows it there
 * until the files are drained, so the order holds across memory and disk. A write the database
 * refuses (a constraint, bad data) is tried alone and set aside in the dead-letter file with a loud
 * log, so one bad write never holds up the rest. Files left by a process that stopped are applied
 * first at the next start; every write is idempotent, so one applied twice changes nothing.
 */
export class WriteQueue {
  private readonly files: SpillDirectory;
  private memory: QueuedWrite[] = [];
  private memoryBytes = 0;
  /** Oldest first; every write in them is newer than every write in memory. */
  private spill: SpillFile[] = [];
  /** The oldest spill file, read into memory while it is being applied. */
  private reading: { file: SpillFile; writes: QueuedWrite[] } | undefined;
  private onDisk = 0;
  private nextN = 1;
  private readonly waiters = new Map<number, { settle: (settled: Settled) => void; bounded: boolean }>();
  private wake: (() => void) | undefined;
  private retryMs = FIRST_RETRY_MS;
  private degraded = false;
  private lastError: string | null = null;
  private applied = 0;
  private deadLettered = 0;
  private stopped = false;
  /** After close: writes go straight to this file. */
  private lateFile: SpillFile | undefined;

  constructor(private readonly options: WriteQueueOptions) {
    this.files = new SpillDirectory(options.dir, options.encryptionKey);
  }

  /** Picks up files an earlier process left and starts applying. */
  async start(): Promise<void> {
    const { files, lastN } = await this.files.leftovers();
    this.spill = files;
    this.onDisk = files.reduce((sum, f) => sum + f.count, 0);
    this.nextN = lastN + 1;
    if (this.onDisk > 0) this.options.log.warn({ writes: this.onDisk, files: files.length }, 'applying writes left on disk by an earlier run');
    void this.run();
  }

  /** Queues a write; returns its place in the order. Never waits and never throws for the database. */
  enqueue(op: WriteOp): number {
    const json = JSON.stringify(op);
    const write: QueuedWrite = { n: this.nextN, at: Date.now(), json };
    this.nextN += 1;
    if (this.stopped) {
      this.lateFile ??= this.files.fileFor(write.n);
      this.files.appendNow(this.lateFile, serialiseWrite(write));
      this.options.log.warn({ type: op.type, file: this.lateFile.path }, 'a write arrived after the queue closed; it waits on disk for the next start');
    } else if (this.spill.length === 0 && this.memoryBytes + json.length <= this.options.maxMemoryBytes) {
      this.memory.push(write);
      this.memoryBytes += json.length;
    } else this.toDisk(write);
    this.wake?.();
    return write.n;
  }

  /**
   * Queues a write and waits up to `waitMs` for it to be applied (and for its result); not at all
   * while the database is known to be unreachable, so a webhook never hangs on it.
   */
  async submit<K extends WriteOpType>(op: WriteOpOf<K>, waitMs: number): Promise<Settled<K>> {
    const n = this.enqueue(op);
    return this.degraded ? { status: 'pending' } : this.settled<K>(n, waitMs);
  }

  /**
   * Resolves when write `n` is applied or dead-lettered, or at close; with a finite `waitMs`, also
   * after that long or as soon as the database turns out to be unreachable. Ask in the same tick
   * as `enqueue`: a write already applied is not remembered.
   */
  settled<K extends WriteOpType = WriteOpType>(n: number, waitMs = Infinity): Promise<Settled<K>> {
    if (this.stopped) return Promise.resolve({ status: 'pending' });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (settled: Settled) => {
        clearTimeout(timer);
        this.waiters.delete(n);
        resolve(settled as Settled<K>);
      };
      const bounded = Number.isFinite(waitMs);
      this.waiters.set(n, { settle, bounded });
      if (bounded) timer = setTimeout(() => settle({ status: 'pending' }), waitMs);
    });
  }

  stats(): WriteQueueStats {
    const oldest = this.memory[0]?.at ?? this.reading?.writes[0]?.at ?? this.spill[0]?.oldestAt;
    return {
      inMemory: this.memory.length,
      onDisk: this.onDisk,
      oldestAgeMs: oldest === undefined ? null : Math.max(0, Date.now() - oldest),
      degraded: this.degraded,
      lastError: this.lastError,
      applied: this.applied,
      deadLettered: this.deadLettered,
    };
  }

  get pending(): number {
    return this.memory.length + this.onDisk;
  }

  /**
   * Stops the queue: applies what it can for up to `flushMs` (not at all while the database is
   * unreachable), then saves everything still waiting to disk for the next start. Writes queued
   * after this go straight to disk.
   */
  async close(flushMs: number): Promise<void> {
    if (this.stopped) return;
    const deadline = Date.now() + flushMs;
    while (this.pending > 0 && !this.degraded && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.stopped = true;
    this.wake?.();
    // A batch may be in flight; it is saved with the rest (applying a write twice is harmless).
    const left = this.memory;
    this.memory = [];
    this.memoryBytes = 0;
    if (left.length > 0) {
      const file = this.files.fileFor(left[0]!.n);
      file.unwritten = left.map(serialiseWrite);
      await this.files.flush(file);
    }
    await Promise.all(this.spill.map((file) => this.files.flush(file)));
    const saved = left.length + this.onDisk;
    if (saved > 0) this.options.log.warn({ writes: saved, dir: this.options.dir }, 'writes not applied yet are saved on disk for the next start');
    for (const waiter of [...this.waiters.values()]) waiter.settle({ status: 'pending' });
  }

  // --- the flusher -------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.stopped) {
      let retry: boolean;
      try {
        const batch = await this.nextBatch();
        if (!batch) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        retry = await this.apply(batch);
      } catch (error) {
        // The disk, not the database (a spill file unreadable, the dead-letter file unwritable).
        this.options.log.error({ err: error, dir: this.options.dir }, 'write queue file trouble; retrying');
        this.lastError = describeError(error);
        retry = true;
      }
      if (retry && !this.stopped) {
        await this.pause(this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      }
    }
  }

  private async nextBatch(): Promise<Batch | undefined> {
    if (this.memory.length > 0) return { writes: this.memory.slice(0, MAX_BATCH), fromDisk: false };
    const file = this.spill[0];
    if (!file) return undefined;
    if (!this.reading) {
      file.sealed = true;
      await this.files.flush(file);
      const writes: QueuedWrite[] = [];
      for (const line of await this.files.read(file)) {
        if (line.kind === 'write') writes.push(line.write);
        else {
          this.onDisk -= 1;
          await this.setAside(`${line.reason} in ${file.path}`, { text: line.text });
        }
      }
      this.reading = { file, writes };
    }
    if (this.reading.writes.length === 0) {
      await this.finishFile();
      return this.nextBatch();
    }
    return { writes: this.reading.writes.slice(0, MAX_BATCH), fromDisk: true };
  }

  /** Applies a batch in one transaction; on a refusal, one by one. Returns true to retry later. */
  private async apply(batch: Batch): Promise<boolean> {
    try {
      const results = await this.transaction(batch.writes);
      if (this.stopped) return false;
      await this.done(batch, batch.writes.map((write, i) => ({ write, settled: { status: 'applied', result: results[i] ?? null } })));
      return false;
    } catch (error) {
      if (this.stopped) return false;
      if (isConnectivityError(error)) return this.unreachable(error);
    }
    for (const write of batch.writes) {
      try {
        const [result] = await this.transaction([write]);
        if (this.stopped) return false;
        await this.done(batch, [{ write, settled: { status: 'applied', result: result ?? null } }]);
      } catch (error) {
        if (this.stopped) return false;
        if (isConnectivityError(error)) return this.unreachable(error);
        if (isMissingReference(error) && Date.now() - write.at < MISSING_REFERENCE_PATIENCE_MS) {
          this.lastError = `waiting for a row another write creates: ${describeError(error)}`;
          return true;
        }
        await this.setAside(describeError(error), { write });
        await this.done(batch, [{ write, settled: { status: 'dead-lettered' } }]);
      }
    }
    return false;
  }

  private async transaction(writes: QueuedWrite[]): Promise<WriteOpResults[WriteOpType][]> {
    const ops = writes.map((w) => parseWriteOp(JSON.parse(w.json)));
    return this.options.db.transaction().execute((trx) => applyWriteOps(trx, ops));
  }

  private unreachable(error: unknown): true {
    if (!this.degraded) this.options.log.error({ reason: describeError(error), waiting: this.pending }, 'database unreachable: writes wait in the queue');
    this.degraded = true;
    this.lastError = describeError(error);
    for (const waiter of [...this.waiters.values()]) if (waiter.bounded) waiter.settle({ status: 'pending' });
    return true;
  }

  /** Takes applied (or set aside) writes off the head of their source and tells whoever waits. */
  private async done(batch: Batch, outcomes: { write: QueuedWrite; settled: Settled }[]): Promise<void> {
    if (this.degraded) this.options.log.info({ waiting: this.pending }, 'database reachable again: applying queued writes');
    this.degraded = false;
    this.lastError = null;
    this.retryMs = FIRST_RETRY_MS;
    for (const { write, settled } of outcomes) {
      if (batch.fromDisk && this.reading) {
        this.reading.writes.shift();
        this.onDisk -= 1;
      } else {
        this.memory.shift();
        this.memoryBytes -= write.json.length;
      }
      if (settled.status === 'applied') this.applied += 1;
      this.waiters.get(write.n)?.settle(settled);
    }
    if (batch.fromDisk && this.reading?.writes.length === 0) await this.finishFile();
  }

  private async finishFile(): Promise<void> {
    const reading = this.reading;
    if (!reading) return;
    this.reading = undefined;
    this.spill.shift();
    await this.files.remove(reading.file);
  }

  private async setAside(error: string, what: { write?: QueuedWrite; text?: string }): Promise<void> {
    this.deadLettered += 1;
    const type = what.write ? (JSON.parse(what.write.json) as { type?: unknown }).type : undefined;
    this.options.log.error(
      { error, type, n: what.write?.n, file: this.options.dir },
      'the database refused a queued write; it is kept in the dead-letter file and the queue goes on',
    );
    await this.files.deadLetter({ error, ...what });
  }

  private toDisk(write: QueuedWrite): void {
    let file = this.spill.at(-1);
    if (!file || file.sealed || file.bytes >= SPILL_FILE_BYTES) {
      if (this.spill.length === 0)
        this.options.log.warn({ dir: this.options.dir, inMemory: this.memory.length }, 'write queue memory is full: writes now wait on disk');
      file = this.files.fileFor(write.n);
      file.oldestAt = write.at;
      this.spill.push(file);
    }
    const line = serialiseWrite(write);
    file.unwritten.push(line);
    file.count += 1;
    file.bytes += line.length;
    this.onDisk += 1;
    if (file.unwritten.length === 1) {
      const target = file;
      setImmediate(() => {
        this.files.flush(target).catch((error: unknown) =>
          this.options.log.error({ err: error, file: target.path }, 'could not write queued writes to disk'),
        );
      });
    }
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        if (this.stopped) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    this.wake = undefined;
  }
}
