/**
 * npm run bench:recording — what recording adds to one call, in CPU time per second of call:
 * the per-frame capture (50 caller and 50 receptionist frames a second) and the background
 * sealing (AES-256-GCM of 16 KB a second) and writing to a local store. Measured in one process
 * with a simulated clock, so other load on a shared machine moves it less than bench:load.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RecordingCapture, returnBlock } from '../../src/call/recording-capture.js';
import { LocalObjectStore } from '../../src/storage/local-object-store.js';
import { CHUNKS_PER_SEGMENT, newRecordingKey, sealChunk, segmentKey } from '../../src/storage/recording-cipher.js';

const CALL_SECONDS = 600;
const frame = randomBytes(160);
let clock = 0;
const capture = new RecordingCapture(() => clock, 0);

// Per-frame capture: a caller frame and a reply frame every 20 ms, a barge-in every 7 s.
const captureStart = process.cpuUsage();
const wallStart = performance.now();
for (let ms = 0; ms < CALL_SECONDS * 1_000; ms += 20) {
  clock = ms;
  capture.caller(frame);
  capture.reply(frame);
  if (ms % 7_000 === 0) capture.cleared();
  if (ms % 1_000 === 0) capture.take(clock * 8 - 4_000, (block) => returnBlock(block));
}
const captureCpu = process.cpuUsage(captureStart);
const captureWall = performance.now() - wallStart;

// Sealing and writing: one 2 s chunk per 2 s of call, five to a segment.
const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-recording-'));
const store = new LocalObjectStore(dir);
const key = newRecordingKey('bench', randomBytes(32));
const block = Buffer.alloc(32_000, 0xff);
const sealStart = process.cpuUsage();
let chunks: Buffer[] = [];
for (let index = 0; index < CALL_SECONDS / 2; index += 1) {
  chunks.push(sealChunk(key, Math.floor(index / CHUNKS_PER_SEGMENT), index % CHUNKS_PER_SEGMENT, block));
  if (chunks.length === CHUNKS_PER_SEGMENT) {
    await store.put(segmentKey('recordings/bench', Math.floor(index / CHUNKS_PER_SEGMENT)), Buffer.concat([key.header, ...chunks]));
    chunks = [];
  }
}
const sealCpu = process.cpuUsage(sealStart);
await rm(dir, { recursive: true, force: true });

const perCallSecond = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / CALL_SECONDS;
const captureUs = perCallSecond(captureCpu);
const sealUs = perCallSecond(sealCpu);
console.log(`recording, ${CALL_SECONDS} s of call (Node ${process.version}):`);
console.log(`  capture: ${captureUs.toFixed(1)} µs CPU per call-second (${((captureWall * 1_000) / (CALL_SECONDS * 100)).toFixed(2)} µs per frame)`);
console.log(`  seal + write: ${sealUs.toFixed(1)} µs CPU per call-second`);
console.log(`  together: ${((captureUs + sealUs) / 10_000).toFixed(4)} % of a core per call`);
