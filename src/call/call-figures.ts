import type { Logger } from 'pino';
import { NO_TRANSCRIPTION_USAGE, realtimeCostUsd, realtimePrice, type TranscriptionUsage } from '../config/model-prices.js';
import type { RealtimeProvider, RealtimeUsage } from '../realtime/realtime-model.js';
import type { CallObservation } from './call-observer.js';

/** What one provider's model used on the call: each is billed at its own prices. */
export interface ProviderUsage {
  provider: RealtimeProvider;
  model: string;
  usage: RealtimeUsage;
}

const NO_USAGE: RealtimeUsage = Object.freeze({
  inputTextTokens: 0,
  inputAudioTokens: 0,
  cachedTextTokens: 0,
  cachedAudioTokens: 0,
  outputTextTokens: 0,
  outputAudioTokens: 0,
});

/**
 * The figures a call is measured by: how soon the greeting started, how soon each reply started
 * after the caller stopped speaking, what the model and the transcription used, and the cost.
 */
export class CallFigures {
  greetingLatencyMs: number | null = null;
  readonly replyLatenciesMs: number[] = [];
  /** Replies the caller talked over. */
  bargeIns = 0;
  readonly usage: RealtimeUsage = {
    inputTextTokens: 0,
    inputAudioTokens: 0,
    cachedTextTokens: 0,
    cachedAudioTokens: 0,
    outputTextTokens: 0,
    outputAudioTokens: 0,
  };
  /** The same usage split by the model that served it, in the order they first did. */
  readonly usageByModel: ProviderUsage[] = [];
  readonly transcriptionUsage: TranscriptionUsage = { ...NO_TRANSCRIPTION_USAGE };
  private speechStoppedAt: number | undefined;

  constructor(
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly startedAt: number,
    private readonly observation: CallObservation,
    /** Told each reply's latency as it is measured (the test line's page shows it). */
    private readonly onReplyLatency: (ms: number) => void = () => {},
  ) {}

  /** A frame of reply audio leaves for the caller (hot path): the first after silence sets a latency. */
  frameSent(): void {
    const at = this.now();
    if (this.greetingLatencyMs === null) {
      this.greetingLatencyMs = Math.round(at - this.startedAt);
      this.log.info({ greetingLatencyMs: this.greetingLatencyMs }, 'greeting started');
      this.observation.greeted(this.greetingLatencyMs);
    } else if (this.speechStoppedAt !== undefined) {
      const latency = Math.round(at - this.speechStoppedAt);
      this.replyLatenciesMs.push(latency);
      this.log.info({ replyLatencyMs: latency }, 'reply started');
      this.observation.turnReplied(latency);
      this.onReplyLatency(latency);
    }
    this.speechStoppedAt = undefined;
  }

  callerStoppedSpeaking(): void {
    this.speechStoppedAt = this.now();
    this.observation.turnStarted();
  }

  /** The caller talked over a reply that was playing. */
  bargedIn(): void {
    this.bargeIns += 1;
    this.observation.bargeIn();
  }

  addUsage(usage: RealtimeUsage, served: { provider: RealtimeProvider; modelName: string }): void {
    let entry = this.usageByModel.find((u) => u.provider === served.provider && u.model === served.modelName);
    if (!entry) {
      entry = { provider: served.provider, model: served.modelName, usage: { ...NO_USAGE } };
      this.usageByModel.push(entry);
    }
    for (const key of Object.keys(this.usage) as (keyof RealtimeUsage)[]) {
      this.usage[key] += usage[key];
      entry.usage[key] += usage[key];
    }
  }

  addTranscriptionUsage(usage: TranscriptionUsage): void {
    for (const key of Object.keys(usage) as (keyof TranscriptionUsage)[]) this.transcriptionUsage[key] += usage[key];
  }

  /** Each model's usage at its own prices. */
  costUsd(): number {
    return this.usageByModel.reduce((sum, u) => sum + realtimeCostUsd(realtimePrice(u.model).price, u.usage), 0);
  }
}
