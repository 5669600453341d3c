import { LatencyHistogram } from './histogram.js';

/**
 * Everything one load level measures. Delays are recorded only inside the measurement window;
 * losses, duplicates and protocol surprises are counted over the whole level.
 */
export class LoadMetrics {
  measuring = false;
  windowStart = 0;
  /** The worst uplink and downlink delay in each second of the window, to tell stalls from steady queueing. */
  readonly worstUplinkBySecond: number[] = [];
  readonly worstDownlinkBySecond: number[] = [];

  recordUplink(now: number, delayMs: number): void {
    this.uplink.record(delayMs);
    const second = Math.floor((now - this.windowStart) / 1000);
    if (!(delayMs <= (this.worstUplinkBySecond[second] ?? -1))) this.worstUplinkBySecond[second] = delayMs;
  }

  recordDownlink(now: number, delayMs: number): void {
    this.downlink.record(delayMs);
    const second = Math.floor((now - this.windowStart) / 1000);
    if (!(delayMs <= (this.worstDownlinkBySecond[second] ?? -1))) this.worstDownlinkBySecond[second] = delayMs;
  }
  /** Caller sends frame k → the model holds the audio covering it. */
  readonly uplink = new LatencyHistogram();
  /** Model sends chunk k → the caller holds the μ-law covering it. */
  readonly downlink = new LatencyHistogram();
  /** `speech_started` sent by the model → `clear` at the caller. */
  readonly bargeIn = new LatencyHistogram();
  /** |audio_end_ms of the truncate − ms the caller had actually played of that item when the clear came|. */
  readonly truncateError = new LatencyHistogram();
  /** How late the generator sent caller frames against their 20 ms schedule (its own lag). */
  readonly pacingLateness = new LatencyHistogram();

  framesSent = 0;
  framesLost = 0;
  framesDuplicated = 0;
  /** Reply audio, in 20 ms frames' worth of μ-law, the caller should have received. */
  downlinkFramesExpected = 0;
  downlinkFramesLost = 0;
  downlinkFramesDuplicated = 0;
  bargeIns = 0;
  /** Barge-ins that never got a clear, or a clear that came when nothing was interrupted. */
  missedClears = 0;
  unexpectedClears = 0;
  truncates = 0;
  /** Truncates when the caller was not interrupting (the service still thought audio was playing). */
  unexpectedTruncates = 0;
  /** Calls that could not be placed, or whose stream or model session ended before we hung up. */
  failedCalls = 0;
  readonly problems: string[] = [];

  problem(text: string): void {
    if (this.problems.length < 20) this.problems.push(text);
  }
}
