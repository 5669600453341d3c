import {
  realtimeCostBreakdown,
  type RealtimeCostBreakdown,
  realtimePrice,
  textCostUsd,
  textModelPrice,
  transcriptionCostUsd,
  transcriptionPrice,
} from '../config/model-prices.js';
import { estimateSmsSegments } from '../sms/sms-segments.js';
import type { ConversationFacts } from '../storage/conversation-facts.js';
import type { ConversationFigures, UsageCost } from '../storage/usage-repository.js';

/**
 * What one conversation used and cost, from its measured usage and the price table: the realtime
 * model (audio in, audio out, cached input, text), input transcription, the text replies, the
 * summary call(s), Twilio minutes and SMS segments. Costs are kept in whole micro-dollars, so the
 * total is exactly the sum of its parts and the roll-ups add up to the cent and below.
 */

export interface CostRates {
  /** Used when a call's record does not name its model. */
  realtimeModel: string;
  transcriptionModel: string;
  twilioVoiceUsdPerMinute: number;
  twilioSmsUsdPerSegment: number;
}

/** The analysis figures that count towards the day (absent until the conversation is analysed). */
export interface AnalysisFigures {
  satisfaction: number | null;
  followUpNeeded: boolean;
}

/** Cost components of one conversation, in micro-dollars. */
interface CostMicros {
  realtimeAudioIn: number;
  realtimeAudioOut: number;
  realtimeCachedInput: number;
  realtimeText: number;
  transcription: number;
  textReplies: number;
  summary: number;
  twilioVoice: number;
  twilioSms: number;
}

const micros = (usd: number): number => Math.round(usd * 1_000_000);
const usdText = (microUsd: number): string => (microUsd / 1_000_000).toFixed(6);

/** Twilio bills an answered call by the minute, rounded up: a call that connected is at least one. */
export function billedMinutes(voice: ConversationFacts['voice']): number {
  if (!voice) return 0;
  const seconds = Math.max(0, voice.seconds ?? 0);
  if (seconds === 0 && !voice.streamStarted) return 0;
  return Math.max(1, Math.ceil(seconds / 60));
}

export function smsSegmentsOf(facts: ConversationFacts): number {
  return facts.messages.reduce((sum, m) => (m.sms ? sum + (m.sms.segments ?? estimateSmsSegments(m.text)) : sum), 0);
}

/** Each provider's part at its own prices (a call that failed over was served by two); older records by their one model. */
function realtimeCosts(voice: NonNullable<ConversationFacts['voice']>, rates: CostRates): RealtimeCostBreakdown {
  const parts = voice.usageByModel.length > 0 ? voice.usageByModel : [{ model: voice.model ?? rates.realtimeModel, usage: voice.usage }];
  const total: RealtimeCostBreakdown = { audioIn: 0, audioOut: 0, cachedInput: 0, text: 0 };
  for (const part of parts) {
    const cost = realtimeCostBreakdown(realtimePrice(part.model).price, part.usage);
    for (const key of Object.keys(total) as (keyof RealtimeCostBreakdown)[]) total[key] += cost[key];
  }
  return total;
}

/** Each component in micro-dollars, rounded once; the total is their sum. */
function costMicros(facts: ConversationFacts, rates: CostRates, summaryCostUsd: number): CostMicros {
  const voice = facts.voice;
  const realtime = voice ? realtimeCosts(voice, rates) : undefined;
  return {
    realtimeAudioIn: micros(realtime?.audioIn ?? 0),
    realtimeAudioOut: micros(realtime?.audioOut ?? 0),
    realtimeCachedInput: micros(realtime?.cachedInput ?? 0),
    realtimeText: micros(realtime?.text ?? 0),
    transcription: micros(voice ? transcriptionCostUsd(transcriptionPrice(rates.transcriptionModel).price, voice.transcription) : 0),
    textReplies: facts.textReplies.reduce((sum, r) => sum + micros(textCostUsd(textModelPrice(r.model).price, r.usage)), 0),
    summary: micros(summaryCostUsd),
    twilioVoice: micros(billedMinutes(voice ?? null) * rates.twilioVoiceUsdPerMinute),
    twilioSms: micros(smsSegmentsOf(facts) * rates.twilioSmsUsdPerSegment),
  };
}

const COST_COLUMNS: Record<keyof CostMicros, UsageCost> = {
  realtimeAudioIn: 'cost_realtime_audio_in_usd',
  realtimeAudioOut: 'cost_realtime_audio_out_usd',
  realtimeCachedInput: 'cost_realtime_cached_input_usd',
  realtimeText: 'cost_realtime_text_usd',
  transcription: 'cost_transcription_usd',
  textReplies: 'cost_text_replies_usd',
  summary: 'cost_summary_usd',
  twilioVoice: 'cost_twilio_voice_usd',
  twilioSms: 'cost_twilio_sms_usd',
};

/** The conversation's row for the daily roll-up. */
export function conversationFigures(
  facts: ConversationFacts,
  rates: CostRates,
  summaryCostUsd: number,
  analysis: AnalysisFigures | undefined,
): ConversationFigures {
  const parts = costMicros(facts, rates, summaryCostUsd);
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const voice = facts.channel === 'voice';
  const seconds = facts.voice?.seconds ?? 0;
  const satisfaction = analysis?.satisfaction ?? null;
  const costs = Object.fromEntries(
    (Object.keys(COST_COLUMNS) as (keyof typeof COST_COLUMNS)[]).map((k) => [COST_COLUMNS[k], usdText(parts[k])]),
  ) as Record<Exclude<UsageCost, 'cost_total_usd' | 'cost_voice_usd' | 'cost_sms_usd'>, string>;
  return {
    conversations: 1,
    calls: voice ? 1 : 0,
    text_threads: voice ? 0 : 1,
    texts_in: facts.messages.filter((m) => m.sms?.direction === 'inbound').length,
    texts_out: facts.messages.filter((m) => m.sms?.direction === 'outbound').length,
    sms_segments: smsSegmentsOf(facts),
    voice_seconds: seconds > 0 ? seconds : 0,
    voice_billed_minutes: billedMinutes(facts.voice),
    tool_calls: facts.tools.length,
    bookings: facts.bookings,
    satisfaction_sum: satisfaction ?? 0,
    satisfaction_count: satisfaction === null ? 0 : 1,
    unhappy: satisfaction !== null && satisfaction <= 2 ? 1 : 0,
    follow_ups: analysis?.followUpNeeded ? 1 : 0,
    barge_ins: facts.voice?.bargeIns ?? 0,
    ...costs,
    cost_total_usd: usdText(total),
    cost_voice_usd: usdText(voice ? total : 0),
    cost_sms_usd: usdText(voice ? 0 : total),
    reply_latencies_ms: facts.voice?.replyLatenciesMs ?? [],
    greeting_latency_ms: facts.voice?.greetingLatencyMs ?? null,
  };
}
