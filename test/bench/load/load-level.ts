/**
 * One load level: places N simulated calls on the service (signed webhook, then the media
 * stream), lets them settle into their conversations, measures for a fixed window, then stops
 * the audio, does the accounting and hangs up. One clock (a single timer) drives every call.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { callerFramePayloads, modelAudioChunks, type ModelAudioFormat } from './audio-payloads.js';
import type { LatencySummary } from './histogram.js';
import { LoadMetrics } from './load-metrics.js';
import { coreTimes, cpuSeconds, rssBytes, type CoreTimes } from './process-stats.js';
import { DEFAULT_SCRIPT, SimulatedCall, type CallEnvironment, type CallScript, type LoadTarget } from './simulated-call.js';
import type { SimulatedRealtimeServer } from './simulated-realtime-server.js';

export type { LoadTarget } from './simulated-call.js';

export interface LevelOptions {
  target: LoadTarget;
  realtime: SimulatedRealtimeServer;
  calls: number;
  format: ModelAudioFormat;
  measureMs: number;
  /** Time between the last call placed and the start of the window. */
  settleMs?: number;
  deltaMs?: number;
  script?: CallScript;
  /** The service's process, for CPU and memory (absent when it runs in this process). */
  servicePid?: number;
  /** The cores the service and this process are pinned to, to see what else ran there. */
  serviceCore?: number;
  generatorCore?: number;
  tickMs?: number;
  /** Deterministic runs: the same seed gives the same conversations. */
  seed?: number;
}

export interface LevelResult {
  calls: number;
  placed: number;
  format: ModelAudioFormat;
  measuredMs: number;
  uplink: LatencySummary;
  downlink: LatencySummary;
  bargeIn: LatencySummary;
  truncateError: LatencySummary;
  pacingLateness: LatencySummary;
  framesSent: number;
  framesLost: number;
  framesDuplicated: number;
  downlinkFramesExpected: number;
  downlinkFramesLost: number;
  downlinkFramesDuplicated: number;
  bargeIns: number;
  missedClears: number;
  /** Clears and truncates when the caller was not interrupting: the service was behind on marks. */
  unexpectedClears: number;
  truncates: number;
  unexpectedTruncates: number;
  failedCalls: number;
  problems: string[];
  /** The service's CPU over the window, % of one core (undefined without a pid or /proc). */
  serviceCpuPercent: number | undefined;
  /** The part of it spent in the kernel: syscalls, and over loopback the TCP work of both ends. */
  serviceSystemCpuPercent: number | undefined;
  serviceRssMeanBytes: number | undefined;
  serviceRssMaxBytes: number | undefined;
  generatorCpuPercent: number;
  generatorLoopDelayP99Ms: number;
  generatorLoopDelayMaxMs: number;
  /** The worst delay in each second of the window, both ways. */
  worstUplinkBySecond: number[];
  worstDownlinkBySecond: number[];
  /** CPU other processes (other test runs, the OS) took on the service's core, % of it. */
  serviceCoreOtherPercent: number | undefined;
  /** Time the hypervisor took from the service's core. */
  serviceCoreStealPercent: number | undefined;
  /** How busy the generator's core was (generator, Postgres and anything else). */
  generatorCoreBusyPercent: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic PRNG (mulberry32), so levels are comparable run to run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Webhook, then the media stream; an overloaded service gets 10 s for each, as Twilio would give it. */
async function placeCall(call: SimulatedCall, realtime: SimulatedRealtimeServer): Promise<void> {
  const bound = new Promise<void>((resolve) => (call.modelBound = resolve));
  realtime.expect(call);
  try {
    const response = await call.ring({}, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    if (!call.stream) throw new Error('webhook answered without <Connect><Stream>');
    await withTimeout(bound, 10_000, 'the model session');
    await withTimeout(call.connect(), 10_000, 'the media stream');
  } finally {
    realtime.forget(call);
  }
}

export async function runLoadLevel(options: LevelOptions): Promise<LevelResult> {
  const metrics = new LoadMetrics();
  const env: CallEnvironment = {
    target: options.target,
    metrics,
    callerPayloads: callerFramePayloads(),
    modelAudio: modelAudioChunks(options.format, options.deltaMs ?? 40),
    script: options.script ?? DEFAULT_SCRIPT,
    random: seededRandom(options.seed ?? options.calls),
  };
  const calls: SimulatedCall[] = [];
  const tickMs = options.tickMs ?? 2;

  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    const now = performance.now();
    for (const call of calls) call.tick(now);
    setTimeout(tick, tickMs);
  };
  tick();

  let placed = 0;
  try {
    for (let i = 0; i < options.calls; i += 1) {
      const call = new SimulatedCall(env, i);
      calls.push(call);
      try {
        await placeCall(call, options.realtime);
        placed += 1;
      } catch (error) {
        call.fail(`call ${i + 1} not placed: ${error instanceof Error ? error.message : String(error)}`);
        if (metrics.failedCalls > Math.max(5, options.calls / 10)) break;
      }
    }
    await sleep(options.settleMs ?? 2_000);

    // The window.
    const pid = options.servicePid;
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    const rssSamples: number[] = [];
    const sampleRss = () => {
      const rss = pid === undefined ? undefined : rssBytes(pid);
      if (rss !== undefined) rssSamples.push(rss);
    };
    const coresBefore = coreTimes();
    const cpuBefore = pid === undefined ? undefined : cpuSeconds(pid);
    const generatorBefore = process.cpuUsage();
    const startedAt = performance.now();
    loopDelay.enable();
    metrics.windowStart = startedAt;
    metrics.measuring = true;
    const rssTimer = setInterval(sampleRss, 1_000);
    await sleep(options.measureMs);
    metrics.measuring = false;
    clearInterval(rssTimer);
    sampleRss();
    loopDelay.disable();
    const measuredMs = performance.now() - startedAt;
    const cpuAfter = pid === undefined ? undefined : cpuSeconds(pid);
    const generator = process.cpuUsage(generatorBefore);
    const coresAfter = coreTimes();
    const coreDelta = (core: number | undefined): CoreTimes | undefined => {
      const before = core === undefined ? undefined : coresBefore.get(core);
      const after = core === undefined ? undefined : coresAfter.get(core);
      return before && after ? { busy: after.busy - before.busy, steal: after.steal - before.steal, total: after.total - before.total } : undefined;
    };
    const serviceCore = coreDelta(options.serviceCore);
    const generatorCore = coreDelta(options.generatorCore);
    const serviceCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system;
    const serviceSystemSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter.system - cpuBefore.system;

    // Stop the audio; whatever is in flight still arrives and is counted.
    for (const call of calls) call.stop();
    const settleBy = Date.now() + 3_000;
    while (Date.now() < settleBy && calls.some((c) => !c.failed && !c.uplinkSettled)) await sleep(20);
    await sleep(200);
    for (const call of calls) if (!call.failed) call.account();

    for (const call of calls) call.hangUp();
    const closedBy = Date.now() + 10_000;
    while (Date.now() < closedBy && calls.some((c) => c.modelSocket && c.modelSocket.readyState !== WebSocket.CLOSED)) await sleep(50);

    return {
      calls: options.calls,
      placed,
      format: options.format,
      measuredMs,
      uplink: metrics.uplink.summary(),
      downlink: metrics.downlink.summary(),
      bargeIn: metrics.bargeIn.summary(),
      truncateError: metrics.truncateError.summary(),
      pacingLateness: metrics.pacingLateness.summary(),
      framesSent: metrics.framesSent,
      framesLost: metrics.framesLost,
      framesDuplicated: metrics.framesDuplicated,
      downlinkFramesExpected: metrics.downlinkFramesExpected,
      downlinkFramesLost: metrics.downlinkFramesLost,
      downlinkFramesDuplicated: metrics.downlinkFramesDuplicated,
      bargeIns: metrics.bargeIns,
      missedClears: metrics.missedClears,
      unexpectedClears: metrics.unexpectedClears,
      truncates: metrics.truncates,
      unexpectedTruncates: metrics.unexpectedTruncates,
      failedCalls: metrics.failedCalls,
      problems: metrics.problems,
      serviceCpuPercent: serviceCpuSeconds === undefined ? undefined : (serviceCpuSeconds / (measuredMs / 1000)) * 100,
      serviceSystemCpuPercent: serviceSystemSeconds === undefined ? undefined : (serviceSystemSeconds / (measuredMs / 1000)) * 100,
      serviceRssMeanBytes: rssSamples.length ? rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length : undefined,
      serviceRssMaxBytes: rssSamples.length ? Math.max(...rssSamples) : undefined,
      generatorCpuPercent: ((generator.user + generator.system) / 1000 / measuredMs) * 100,
      generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      generatorLoopDelayMaxMs: loopDelay.max / 1e6,
      worstUplinkBySecond: metrics.worstUplinkBySecond,
      worstDownlinkBySecond: metrics.worstDownlinkBySecond,
      serviceCoreOtherPercent:
        serviceCore && serviceCpuSeconds !== undefined && serviceCore.total > 0
          ? Math.max(0, ((serviceCore.busy - serviceCpuSeconds) / serviceCore.total) * 100)
          : undefined,
      serviceCoreStealPercent: serviceCore && serviceCore.total > 0 ? (serviceCore.steal / serviceCore.total) * 100 : undefined,
      generatorCoreBusyPercent: generatorCore && generatorCore.total > 0 ? ((generatorCore.busy + generatorCore.steal) / generatorCore.total) * 100 : undefined,
    };
  } finally {
    ticking = false;
    for (const call of calls) if (!call.hungUp) call.hangUp();
  }
}
