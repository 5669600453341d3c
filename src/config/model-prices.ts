/**
 * USD per 1M tokens for the realtime models, from OpenAI's published prices (November 2026).
 * Used for a per-call cost estimate from the usage in each `response.done`; the model name is
 * configuration, so an unknown model falls back to the gpt-realtime row and says so.
 */
export interface RealtimePrice {
  textIn: number;
  textCached: number;
  textOut: number;
  audioIn: number;
  audioCached: number;
  audioOut: number;
}

const GPT_REALTIME: RealtimePrice = { textIn: 4, textCached: 0.4, textOut: 16, audioIn: 32, audioCached: 0.4, audioOut: 64 };
const GPT_REALTIME_2: RealtimePrice = { ...GPT_REALTIME, textOut: 24 };
const GPT_REALTIME_MINI: RealtimePrice = {
  textIn: 0.6,
  textCached: 0.06,
  textOut: 2.4,
  audioIn: 10,
  audioCached: 0.3,
  audioOut: 20,
};

const PRICES: Record<string, RealtimePrice> = {
  'gpt-realtime': GPT_REALTIME,
  'gpt-realtime-2025-08-28': GPT_REALTIME,
  'gpt-realtime-1.5': GPT_REALTIME,
  'gpt-realtime-2': GPT_REALTIME_2,
  'gpt-realtime-2.1': GPT_REALTIME_2,
  'gpt-realtime-mini': GPT_REALTIME_MINI,
  'gpt-realtime-mini-2025-10-06': GPT_REALTIME_MINI,
  'gpt-realtime-mini-2025-12-15': GPT_REALTIME_MINI,
  'gpt-realtime-2.1-mini': GPT_REALTIME_MINI,
};

export function realtimePrice(model: string): { price: RealtimePrice; known: boolean } {
  const price = PRICES[model];
  return price ? { price, known: true } : { price: GPT_REALTIME, known: false };
}

export interface TokenUsage {
  inputTextTokens: number;
  inputAudioTokens: number;
  cachedTextTokens: number;
  cachedAudioTokens: number;
  outputTextTokens: number;
  outputAudioTokens: number;
}

/** Cached tokens are a subset of input tokens: bill the uncached part at the full rate. */
export function realtimeCostUsd(price: RealtimePrice, usage: TokenUsage): number {
  const perToken = 1 / 1_000_000;
  return (
    (Math.max(0, usage.inputTextTokens - usage.cachedTextTokens) * price.textIn +
      usage.cachedTextTokens * price.textCached +
      Math.max(0, usage.inputAudioTokens - usage.cachedAudioTokens) * price.audioIn +
      usage.cachedAudioTokens * price.audioCached +
      usage.outputTextTokens * price.textOut +
      usage.outputAudioTokens * price.audioOut) *
    perToken
  );
}
