/**
 * npm run bench:recording — what recording adds to one call, in CPU time per second of call:
 * the per-frame capture (50 caller and 50 receptionist frames a second, a barge-in every 7 s,
 * blocks handed over once a second) and the background sealing (AES-256-GCM, 16 KB a second) and
 * writing of 10-second segments to a local store, done as RecordingWriter does it. Measured in
 * one process with a simulated clock (process.cpuUsage, so other load on a shared machine moves
 * it less than bench:load): a warm-up round first (JIT), then several rounds of a long call, and
 * the median and the lowest round are reported.
 *
 *   npm run bench:recording                          5 rounds of 1800 s
 *   npm run bench:recording -- --rounds 9 --seconds 3600
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RecordingCapture, returnBlock } from '../../src/call/recording-capture.js';
import { LocalObjectStore } from '../../src/storage/local-object-store.js';
import { CHUNKS_PER_SEGMENT, newRecordingKey, SEGMENT_STORED_BYTES, sealChunkInto, segmentKey } from '../../src/storage/recording-cipher.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '1800' } } });
const ROUNDS = Number(args.rounds);
const CALL_SECONDS = Number(args.seconds);
if (!(ROUNDS >= 1) || !(CALL_SECONDS >= 60)) throw new Error('--rounds ≥ 1, --seconds ≥ 60');

const callerFrame = randomBytes(160);
const replyFrame = randomBytes(160);
const cpu = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

/** One call: the frame path, in µs of CPU per call-second; the blocks it handed over are kept for sealing. */
function captureRound(seconds: number, blocks: Buffer[]): number {
  let clock = 0;
  const capture = new RecordingCapture(() => clock, 0);
  const start = process.cpuUsage();
  for (let ms = 0; ms < seconds * 1_000; ms += 20) {
    clock = ms;
    capture.caller(callerFrame);
    capture.reply(replyFrame);
    if (ms % 7_000 === 0) capture.cleared();
    if (ms % 1_000 === 0)
      capture.take(clock * 8 - 4_000, (block) => {
        // The writer seals the block inside this call; keep one sample block for the sealing round.
        if (blocks.length === 0) blocks.push(Buffer.from(block));
        returnBlock(block);
      });
  }
  const used = cpu(process.cpuUsage(start));
  capture.discard();
  return used / seconds;
}

/** One call's sealing and writing: one 2 s chunk per 2 s of call, five to a segment, in µs of CPU per call-second. */
async function sealRound(seconds: number, block: Buffer, store: LocalObjectStore, round: number): Promise<number> {
  const key = newRecordingKey(`bench-${round}`, randomBytes(32));
  const start = process.cpuUsage();
  // One segment buffer, reused, as the writer takes one from its pool.
  const segment = Buffer.allocUnsafeSlow(SEGMENT_STORED_BYTES);
  let filled = key.header.copy(segment, 0);
  for (let index = 0; index < seconds / 2; index += 1) {
    filled += sealChunkInto(key, Math.floor(index / CHUNKS_PER_SEGMENT), index % CHUNKS_PER_SEGMENT, block, segment, filled);
    if (index % CHUNKS_PER_SEGMENT === CHUNKS_PER_SEGMENT - 1) {
      await store.put(segmentKey(`recordings/bench/${round}`, Math.floor(index / CHUNKS_PER_SEGMENT)), segment.subarray(0, filled));
      filled = key.header.length;
    }
  }
  return cpu(process.cpuUsage(start)) / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-recording-'));
try {
  const store = new LocalObjectStore(dir);
  const blocks: Buffer[] = [];
  captureRound(120, blocks);
  const block = blocks[0] ?? Buffer.alloc(32_000, 0xff);
  await sealRound(60, block, store, -1);
  const captures: number[] = [];
  const seals: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    captures.push(captureRound(CALL_SECONDS, []));
    seals.push(await sealRound(CALL_SECONDS, block, store, round));
  }
  const together = captures.map((c, i) => c + (seals[i] as number));
  const figure = (values: number[]) => `median ${median(values).toFixed(1)}, lowest ${Math.min(...values).toFixed(1)}`;
  console.log(`recording, ${ROUNDS} rounds of ${CALL_SECONDS} s of call after a warm-up (Node ${process.version}), µs of CPU per call-second:`);
  console.log(`  capture (frame path, 100 frames/s): ${figure(captures)} (${(median(captures) / 100).toFixed(2)} µs per frame)`);
  console.log(`  seal + write: ${figure(seals)}`);
  console.log(`  together: ${figure(together)} = ${(median(together) / 10_000).toFixed(4)} % of a core per call (median)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
