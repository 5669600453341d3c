import { sql } from 'kysely';
import { z } from 'zod';
import type { TextUsage, TokenUsage, TranscriptionUsage } from '../config/model-prices.js';
import type { Db } from './database.js';
import type { ConversationChannel, ConversationStatus, MessageRole, OutcomeSource } from './schema.js';
import { spaSettingsSchema } from './spa-profile.js';

/**
 * Everything the after-conversation analysis reads about one conversation: the transcript, what
 * the tools did, and the measured usage (model tokens, call seconds, SMS segments). Event data is
 * JSON, parsed here with zod; a row that does not parse is skipped, never trusted.
 */

export interface FactMessage {
  seq: number;
  role: MessageRole;
  text: string;
  interrupted: boolean;
  /** Text messages only: which way, and Twilio's segment count when it told us. */
  sms: { direction: 'inbound' | 'outbound'; segments: number | null } | null;
}

export interface ConversationFacts {
  id: string;
  spaId: string;
  spaName: string;
  assistantName: string;
  /** The spa's primary language (ISO 639-1): what staff read summaries in. */
  staffLanguage: string;
  /** The language the conversation was held in, when known. */
  language: string | null;
  serviceNames: string[];
  channel: ConversationChannel;
  status: ConversationStatus;
  customerName: string | null;
  outcome: string | null;
  outcomeSource: OutcomeSource | null;
  analysisInputHash: string | null;
  /** The analysis figures stored for the day's roll-up; undefined until analysed. */
  analysed: { satisfaction: number | null; followUpNeeded: boolean } | undefined;
  messages: FactMessage[];
  /** Each tool the receptionist ran, in order, and whether it worked. */
  tools: { name: string; ok: boolean | null }[];
  bookings: number;
  voice: {
    /** Twilio's duration, or ours from the stream when Twilio's has not arrived. */
    seconds: number | null;
    model: string | null;
    /** Summed over every stream of the call (a call can come back after an unanswered transfer). */
    usage: TokenUsage;
    /**
     * The same usage by the model (and provider) that served it, so each part is priced at its own
     * rates; empty for calls recorded before the split (all of `usage` is then `model`'s).
     */
    usageByModel: { provider: string; model: string; usage: TokenUsage }[];
    transcription: TranscriptionUsage;
    streamStarted: boolean;
    recordFinished: boolean;
    /** Caller stops speaking → first reply audio, per reply. */
    replyLatenciesMs: number[];
    /** Stream start → first greeting audio. */
    greetingLatencyMs: number | null;
    /** Replies the caller talked over (0 for calls recorded before they were counted). */
    bargeIns: number;
  } | null;
  /** Responses API calls that wrote the text replies. */
  textReplies: { model: string; usage: TextUsage }[];
}

const count = z.number().nonnegative().catch(0);
const tokenUsageSchema = z.object({
  inputTextTokens: count,
  inputAudioTokens: count,
  cachedTextTokens: count,
  cachedAudioTokens: count,
  outputTextTokens: count,
  outputAudioTokens: count,
});
const transcriptionUsageSchema = z.object({ inputAudioTokens: count, inputTextTokens: count, outputTextTokens: count, seconds: count });
const providerUsageSchema = z.object({ provider: z.string(), model: z.string(), usage: tokenUsageSchema });
const callEndedSchema = z.object({
  usage: tokenUsageSchema,
  // A split we cannot read leaves the call priced as before, not unpriced.
  byProvider: z.array(providerUsageSchema).optional().catch(undefined),
  transcriptionUsage: transcriptionUsageSchema.optional(),
});

/** Each model's usage summed over the call's streams, in the order they first served. */
function usageByModel(callEnds: z.infer<typeof callEndedSchema>[], zero: TokenUsage): { provider: string; model: string; usage: TokenUsage }[] {
  // Without a split on every stream's end, the split would not add up to the total: use none.
  if (callEnds.some((e) => e.byProvider === undefined)) return [];
  const byModel = new Map<string, { provider: string; model: string; usage: TokenUsage }>();
  for (const part of callEnds.flatMap((e) => e.byProvider ?? [])) {
    const key = `${part.provider}/${part.model}`;
    const entry = byModel.get(key) ?? { provider: part.provider, model: part.model, usage: { ...zero } };
    entry.usage = sumUsage([entry.usage, part.usage], zero);
    byModel.set(key, entry);
  }
  return [...byModel.values()];
}
const modelUsageSchema = z.object({ model: z.string(), inputTokens: count, cachedInputTokens: count, outputTokens: count });
const toolOutcomeSchema = z.object({ ok: z.boolean() });
const smsToolCallSchema = z.object({ outcome: toolOutcomeSchema });
const personaNameSchema = z.object({ name: z.string() });

/** Recorded by the text reply loop for each Responses API call (see sms/sms-replies.ts). */
export const MODEL_USAGE_EVENT = 'model_usage';

function sumUsage<T extends object>(rows: T[], zero: T): T {
  const total = { ...zero };
  for (const row of rows) for (const key of Object.keys(zero) as (keyof T)[]) (total[key] as number) += row[key] as number;
  return total;
}

export async function loadConversationFacts(db: Db, conversationId: string): Promise<ConversationFacts | undefined> {
  const conversation = await db
    .selectFrom('conversations as c')
    .innerJoin('spas as s', 's.id', 'c.spa_id')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select([
      'c.id',
      'c.spa_id as spaId',
      's.name as spaName',
      's.persona',
      's.settings',
      'c.language',
      'c.channel',
      'c.status',
      'cu.name as customerName',
      'c.outcome',
      'c.outcome_source as outcomeSource',
      'c.analysis_input_hash as analysisInputHash',
      'c.satisfaction',
      'c.follow_up_needed as followUpNeeded',
    ])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!conversation) return undefined;

  const [messages, events, voice, bookings, services] = await Promise.all([
    db
      .selectFrom('messages as m')
      .leftJoin('sms_details as d', 'd.message_id', 'm.id')
      .select(['m.seq', 'm.role', 'm.text', 'm.interrupted', 'd.direction', 'd.num_segments as segments'])
      .where('m.conversation_id', '=', conversationId)
      .orderBy('m.seq')
      .execute(),
    db
      .selectFrom('conversation_events')
      .select(['type', 'name', 'data'])
      .where('conversation_id', '=', conversationId)
      .where('type', 'in', ['tool_call', 'tool_result', 'call_started', 'call_ended', MODEL_USAGE_EVENT])
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('voice_call_details')
      .select(['duration_seconds as seconds', 'model', 'usage', 'stream_started_at as streamStartedAt', 'ended_by as endedBy', 'reply_latencies_ms as replyLatenciesMs',
        'greeting_latency_ms as greetingLatencyMs', 'barge_ins as bargeIns'])
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst(),
    db
      .selectFrom('appointments')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('source_conversation_id', '=', conversationId)
      .executeTakeFirstOrThrow(),
    db.selectFrom('services').select('name').where('spa_id', '=', conversation.spaId).where('active', '=', true).orderBy('name').execute(),
  ]);

  const callEnds = events.filter((e) => e.type === 'call_ended').map((e) => callEndedSchema.safeParse(e.data)).flatMap((p) => (p.success ? [p.data] : []));
  const zeroTokens: TokenUsage = { inputTextTokens: 0, inputAudioTokens: 0, cachedTextTokens: 0, cachedAudioTokens: 0, outputTextTokens: 0, outputAudioTokens: 0 };
  const zeroTranscription: TranscriptionUsage = { inputAudioTokens: 0, inputTextTokens: 0, outputTextTokens: 0, seconds: 0 };
  // Older records have only the call's last usage on its details row.
  const detailsUsage = tokenUsageSchema.safeParse(voice?.usage);
  const realtimeUsage =
    callEnds.length > 0 ? sumUsage(callEnds.map((e) => e.usage), zeroTokens) : detailsUsage.success ? detailsUsage.data : zeroTokens;

  return {
    id: conversation.id,
    spaId: conversation.spaId,
    spaName: conversation.spaName,
    assistantName: personaNameSchema.safeParse(conversation.persona).data?.name ?? 'Receptionist',
    staffLanguage: spaSettingsSchema.safeParse(conversation.settings).data?.languages[0] ?? 'en',
    language: conversation.language,
    serviceNames: services.map((s) => s.name),
    channel: conversation.channel,
    status: conversation.status,
    customerName: conversation.customerName,
    outcome: conversation.outcome,
    outcomeSource: conversation.outcomeSource,
    analysisInputHash: conversation.analysisInputHash,
    analysed:
      conversation.followUpNeeded === null ? undefined : { satisfaction: conversation.satisfaction, followUpNeeded: conversation.followUpNeeded },
    messages: messages.map((m) => ({
      seq: m.seq,
      role: m.role,
      text: m.text,
      interrupted: m.interrupted,
      sms: m.direction ? { direction: m.direction, segments: m.segments } : null,
    })),
    tools: toolRuns(events),
    bookings: bookings.n,
    voice: voice
      ? {
          seconds: voice.seconds,
          model: voice.model,
          usage: realtimeUsage,
          usageByModel: usageByModel(callEnds, zeroTokens),
          transcription: sumUsage(callEnds.flatMap((e) => (e.transcriptionUsage ? [e.transcriptionUsage] : [])), zeroTranscription),
          streamStarted: voice.streamStartedAt !== null || events.some((e) => e.type === 'call_started'),
          recordFinished: voice.endedBy !== null,
          replyLatenciesMs: voice.replyLatenciesMs,
          greetingLatencyMs: voice.greetingLatencyMs,
          bargeIns: voice.bargeIns ?? 0,
        }
      : null,
    textReplies: events
      .filter((e) => e.type === MODEL_USAGE_EVENT)
      .map((e) => modelUsageSchema.safeParse(e.data))
      .flatMap((p) => (p.success ? [{ model: p.data.model, usage: { inputTokens: p.data.inputTokens, cachedInputTokens: p.data.cachedInputTokens, outputTokens: p.data.outputTokens } }] : [])),
  };
}

/** Voice records a call and its result as two events; texts record one event with the outcome. */
function toolRuns(events: { type: string; name: string | null; data: unknown }[]): { name: string; ok: boolean | null }[] {
  const runs: { name: string; ok: boolean | null }[] = [];
  for (const event of events) {
    if (!event.name) continue;
    if (event.type === 'tool_call') {
      const sms = smsToolCallSchema.safeParse(event.data);
      runs.push({ name: event.name, ok: sms.success ? sms.data.outcome.ok : null });
    } else if (event.type === 'tool_result') {
      const open = [...runs].reverse().find((r) => r.name === event.name && r.ok === null);
      const outcome = toolOutcomeSchema.safeParse(event.data);
      if (open && outcome.success) open.ok = outcome.data.ok;
    }
  }
  return runs;
}
