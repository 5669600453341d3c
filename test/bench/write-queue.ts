/**
 * npm run bench:write-queue — what the call write queue costs the call path, and how fast it
 * catches up after a database outage. On a Postgres of its own: 50 calls' worth of timeline
 * writes (one turn and one event each, as a call's recorder sends every 250 ms) are queued with
 * the database up, then again with it stopped (past the memory bound, so most wait on disk), and
 * drained when it is back. Targets: queueing a write p99 < 200 µs (it runs on the call path:
 * 1 % of one 20 ms audio frame); draining > 1,000 writes/s (50 calls make about 200 a second, so
 * a backlog clears at least 5× faster than it builds).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { voiceConversationId } from '../../src/storage/conversation-ids.js';
import type { WriteOp } from '../../src/storage/write-ops.js';
import { WriteQueue } from '../../src/storage/write-queue.js';
import { fakeCallSid } from '../doubles/fake-twilio.js';
import { startStoppablePostgres } from '../support/stoppable-postgres.js';

const CALLS = 50;
const WRITES = Number(process.env.BENCH_WRITES ?? 20_000);
const MEMORY_BYTES = 1024 * 1024;

const print = (line: string) => process.stdout.write(`${line}\n`);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function until(predicate: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function main(): Promise<void> {
  const cleanups: (() => unknown)[] = [];
  const pg = await startStoppablePostgres({ teardown: (fn) => cleanups.push(fn) });
  const dir = await mkdtemp(path.join(tmpdir(), 'write-queue-bench-'));
  const { db } = pg.database;
  const queue = new WriteQueue({ db, dir, log: pino({ level: 'silent' }), maxMemoryBytes: MEMORY_BYTES });
  let failed = false;
  try {
    await queue.start();
    const calls = Array.from({ length: CALLS }, () => fakeCallSid());
    for (const callSid of calls)
      queue.enqueue({
        type: 'open_voice_call',
        conversationId: voiceConversationId(callSid),
        spaId: pg.demoSpaId,
        callSid,
        from: '+12025550142',
        to: '+12025550100',
        startedAt: new Date().toISOString(),
      });
    await until(() => queue.pending === 0);
    const seqs = new Map<string, number>();
    const write = (i: number): WriteOp => {
      const conversationId = voiceConversationId(calls[i % CALLS]!);
      const seq = (seqs.get(conversationId) ?? 0) + 2;
      seqs.set(conversationId, seq);
      const at = new Date().toISOString();
      return {
        type: 'append_timeline',
        conversationId,
        streamSid: 'MZbench',
        messages: [{ seq: seq - 1, role: 'customer', text: `I'd like to book a HydraFacial for next Tuesday afternoon, turn ${i}.`, interrupted: false, spokenAt: at }],
        events: [{ seq, type: 'tool_call', name: 'check_availability', data: { callId: `call_${i}`, arguments: { service: 'HydraFacial', date: '2026-12-01' } }, at }],
      };
    };

    const phase = async (label: string, from: number, outage: boolean) => {
      if (outage) {
        await pg.stop();
        // Let the queue find out, as it would within the first write of an outage.
        queue.enqueue(write(from));
        await until(() => queue.stats().degraded);
        from += 1;
      }
      const times: number[] = [];
      const started = performance.now();
      for (let i = from; i < from + WRITES - (outage ? 1 : 0); i += 1) {
        const op = write(i);
        const t0 = performance.now();
        queue.enqueue(op);
        times.push((performance.now() - t0) * 1000);
      }
      const queuedMs = performance.now() - started;
      const stats = queue.stats();
      let drainStart = performance.now();
      if (outage) {
        await pg.start();
        drainStart = performance.now();
      }
      await until(() => queue.pending === 0);
      const drainMs = performance.now() - drainStart;
      await until(async () => (await readdir(dir)).every((f) => !f.startsWith('ops-')));
      times.sort((a, b) => a - b);
      const rate = WRITES / (drainMs / 1000);
      const pass = percentile(times, 99) < 200 && rate > 1_000;
      failed ||= !pass;
      print(
        `| ${label} | ${stats.inMemory.toLocaleString()} / ${stats.onDisk.toLocaleString()} | ${(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1)} / ${percentile(times, 99).toFixed(1)} | ${Math.round(queuedMs)} | ${(drainMs / 1000).toFixed(2)} | ${Math.round(rate).toLocaleString()} | ${pass ? 'PASS' : 'FAIL'} |`,
      );
    };

    print(`| ${WRITES.toLocaleString()} timeline writes of ${CALLS} calls | in memory / on disk when queued | queue one: mean / p99 µs | queue all, ms | drain s | writes/s | |`);
    print('|---|---|---|---|---|---|---|');
    await phase('database up', 0, false);
    await phase('database stopped, then back', WRITES, true);

    const rows = await db.selectFrom('messages').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const events = await db.selectFrom('conversation_events').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const complete = Number(rows.n) === 2 * WRITES && Number(events.n) === 2 * WRITES && queue.stats().deadLettered === 0;
    failed ||= !complete;
    print(`\nrows written: ${Number(rows.n).toLocaleString()} messages, ${Number(events.n).toLocaleString()} events (expected ${(2 * WRITES).toLocaleString()} each): ${complete ? 'complete' : 'INCOMPLETE'}`);
    print(`Node ${process.version}, memory bound ${MEMORY_BYTES / 1024} KiB, batches of up to 200 writes per transaction; targets: queue one p99 < 200 µs, drain > 1,000 writes/s.`);
  } finally {
    await queue.close(0);
    for (const cleanup of cleanups.reverse()) await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
