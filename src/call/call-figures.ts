import type { Logger } from 'pino';
import { NO_TRANSCRIPTION_USAGE, realtimeCostUsd, type RealtimePrice, type TranscriptionUsage } from '../config/model-prices.js';
import type { RealtimeUsage } from '../realtime/realtime-model.js';

/**
 * The figures a call is measured by: how soon the greeting started, how soon each reply started
 * after the caller stopped speaking, what the model and the transcription used, and the cost.
 */
export class CallFigures {
  greetingLatencyMs: number | null = null;
  readonly replyLatenciesMs: number[] = [];
  readonly usage: RealtimeUsage = {
    inputTextTokens: 0,
    inputAudioTokens: 0,
    cachedTextTokens: 0,
    cachedAudioTokens: 0,
    outputTextTokens: 0,
    outputAudioTokens: 0,
  };
  readonly transcriptionUsage: TranscriptionUsage = { ...NO_TRANSCRIPTION_USAGE };
  private speechStoppedAt: number | undefined;

  constructor(
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly startedAt: number,
    /** Told each reply's latency as it is measured (the test line's page shows it). */
    private readonly onReplyLatency: (ms: number) => void = () => {},
  ) {}

  /** A frame of reply audio leaves for the caller (hot path): the first after silence sets a latency. */
  frameSent(): void {
    const at = this.now();
    if (this.greetingLatencyMs === null) {
      this.greetingLatencyMs = Math.round(at - this.startedAt);
      this.log.info({ greetingLatencyMs: this.greetingLatencyMs }, 'greeting started');
    } else if (this.speechStoppedAt !== undefined) {
      const latency = Math.round(at - this.speechStoppedAt);
      this.replyLatenciesMs.push(latency);
      this.log.info({ replyLatencyMs: latency }, 'reply started');
      this.onReplyLatency(latency);
    }
    this.speechStoppedAt = undefined;
  }

  callerStoppedSpeaking(): void {
    this.speechStoppedAt = this.now();
  }

  addUsage(usage: RealtimeUsage): void {
    for (const key of Object.keys(this.usage) as (keyof RealtimeUsage)[]) this.usage[key] += usage[key];
  }

  addTranscriptionUsage(usage: TranscriptionUsage): void {
    for (const key of Object.keys(usage) as (keyof TranscriptionUsage)[]) this.transcriptionUsage[key] += usage[key];
  }

  costUsd(price: RealtimePrice): number {
    return realtimeCostUsd(price, this.usage);
  }
}
