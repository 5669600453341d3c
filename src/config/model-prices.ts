/**
 * USD per 1M tokens (or per minute) for the OpenAI models we bill, from OpenAI's published prices
 * (November 2026). Costs are computed from measured usage: `response.done` for the realtime
 * model, `usage` of each input transcription, and `usage` of each Responses API call. Model names
 * are configuration, so an unknown model falls back to a stated row and says so (`known: false`).
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

/**
 * Gemini Live native audio (Gemini API paid tier, per 1M tokens): text in 0.50, audio in 3.00,
 * text out 2.00, audio out 12.00; no context caching on the Live API, so cached input costs what
 * input does. Every turn bills the whole context again (its `usageMetadata.promptTokenCount`).
 */
const GEMINI_25_FLASH_NATIVE_AUDIO: RealtimePrice = { textIn: 0.5, textCached: 0.5, textOut: 2, audioIn: 3, audioCached: 3, audioOut: 12 };
const GEMINI_20_FLASH_LIVE: RealtimePrice = { textIn: 0.35, textCached: 0.35, textOut: 1.5, audioIn: 2.1, audioCached: 2.1, audioOut: 8.5 };

const PRICES: Record<string, RealtimePrice> = {
  'gemini-2.5-flash-native-audio-preview-12-2025': GEMINI_25_FLASH_NATIVE_AUDIO,
  'gemini-2.5-flash-native-audio-preview-09-2025': GEMINI_25_FLASH_NATIVE_AUDIO,
  'gemini-live-2.5-flash-preview': GEMINI_25_FLASH_NATIVE_AUDIO,
  'gemini-2.0-flash-live-001': GEMINI_20_FLASH_LIVE,
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
  // Gemini names its models with or without the `models/` prefix of the Live API's setup.
  const name = model.replace(/^models\//, '');
  const price = PRICES[name];
  if (price) return { price, known: true };
  return { price: name.startsWith('gemini-') ? GEMINI_25_FLASH_NATIVE_AUDIO : GPT_REALTIME, known: false };
}

export interface TokenUsage {
  inputTextTokens: number;
  inputAudioTokens: number;
  cachedTextTokens: number;
  cachedAudioTokens: number;
  outputTextTokens: number;
  outputAudioTokens: number;
}

const PER_TOKEN = 1 / 1_000_000;

/** A realtime bill split the way an owner reads it: audio in, audio out, cached input, text. */
export interface RealtimeCostBreakdown {
  audioIn: number;
  audioOut: number;
  cachedInput: number;
  text: number;
}

/** Cached tokens are a subset of input tokens: the uncached part is billed at the full rate. */
export function realtimeCostBreakdown(price: RealtimePrice, usage: TokenUsage): RealtimeCostBreakdown {
  return {
    audioIn: Math.max(0, usage.inputAudioTokens - usage.cachedAudioTokens) * price.audioIn * PER_TOKEN,
    audioOut: usage.outputAudioTokens * price.audioOut * PER_TOKEN,
    cachedInput: (usage.cachedTextTokens * price.textCached + usage.cachedAudioTokens * price.audioCached) * PER_TOKEN,
    text: (Math.max(0, usage.inputTextTokens - usage.cachedTextTokens) * price.textIn + usage.outputTextTokens * price.textOut) * PER_TOKEN,
  };
}

export function realtimeCostUsd(price: RealtimePrice, usage: TokenUsage): number {
  const parts = realtimeCostBreakdown(price, usage);
  return parts.audioIn + parts.audioOut + parts.cachedInput + parts.text;
}

// --- text models (Responses API: SMS replies and conversation summaries) -------------------

export interface TextPrice {
  input: number;
  cachedInput: number;
  output: number;
}

const GPT_5_MINI: TextPrice = { input: 0.25, cachedInput: 0.025, output: 2 };

const TEXT_PRICES: Record<string, TextPrice> = {
  'gpt-5': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5.1': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': GPT_5_MINI,
  'gpt-5-nano': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cachedInput: 0.025, output: 0.4 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
};

export function textModelPrice(model: string): { price: TextPrice; known: boolean } {
  // A dated snapshot ("gpt-4.1-mini-2025-04-14") costs what its model does.
  const price = TEXT_PRICES[model] ?? TEXT_PRICES[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  return price ? { price, known: true } : { price: GPT_5_MINI, known: false };
}

/** Usage of one Responses API call (`usage` of the response; reasoning tokens are part of output). */
export interface TextUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

export function textCostUsd(price: TextPrice, usage: TextUsage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  return ((usage.inputTokens - cached) * price.input + cached * price.cachedInput + usage.outputTokens * price.output) * PER_TOKEN;
}

// --- input transcription (billed separately from the realtime model) -----------------------

/** Token-billed transcription models, or per-minute ones (whisper). */
export type TranscriptionPrice =
  | { kind: 'tokens'; audioIn: number; textIn: number; textOut: number }
  | { kind: 'minutes'; perMinute: number };

const GPT_4O_MINI_TRANSCRIBE: TranscriptionPrice = { kind: 'tokens', audioIn: 3, textIn: 1.25, textOut: 5 };

const TRANSCRIPTION_PRICES: Record<string, TranscriptionPrice> = {
  'gpt-4o-mini-transcribe': GPT_4O_MINI_TRANSCRIBE,
  'gpt-4o-mini-transcribe-2025-12-15': GPT_4O_MINI_TRANSCRIBE,
  'gpt-4o-transcribe': { kind: 'tokens', audioIn: 6, textIn: 2.5, textOut: 10 },
  'gpt-4o-transcribe-diarize': { kind: 'tokens', audioIn: 6, textIn: 2.5, textOut: 10 },
  'whisper-1': { kind: 'minutes', perMinute: 0.006 },
  'gpt-realtime-whisper': { kind: 'minutes', perMinute: 0.017 },
};

export function transcriptionPrice(model: string): { price: TranscriptionPrice; known: boolean } {
  const price = TRANSCRIPTION_PRICES[model];
  return price ? { price, known: true } : { price: GPT_4O_MINI_TRANSCRIBE, known: false };
}

/** Summed `usage` of a call's input transcriptions: tokens for the gpt-4o models, seconds for whisper. */
export interface TranscriptionUsage {
  inputAudioTokens: number;
  inputTextTokens: number;
  outputTextTokens: number;
  seconds: number;
}

export const NO_TRANSCRIPTION_USAGE: TranscriptionUsage = Object.freeze({ inputAudioTokens: 0, inputTextTokens: 0, outputTextTokens: 0, seconds: 0 });

export function transcriptionCostUsd(price: TranscriptionPrice, usage: TranscriptionUsage): number {
  if (price.kind === 'minutes') return (usage.seconds / 60) * price.perMinute;
  return (usage.inputAudioTokens * price.audioIn + usage.inputTextTokens * price.textIn + usage.outputTextTokens * price.textOut) * PER_TOKEN;
}
