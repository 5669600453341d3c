import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TokenUsage, TranscriptionUsage } from '../../src/config/model-prices.js';
import { MODEL_USAGE_EVENT } from '../../src/storage/conversation-facts.js';
import { voiceConversationId } from '../../src/storage/conversation-ids.js';
import { recordOutcome } from '../../src/storage/conversation-repository.js';
import { insertEvents, insertMessages } from '../../src/storage/conversation-timeline.js';
import { upsertCustomerByPhone } from '../../src/storage/customer-repository.js';
import type { Database } from '../../src/storage/schema.js';
import { appendSmsMessage, openSmsThread } from '../../src/storage/sms-repository.js';
import { finishVoiceCall } from '../../src/storage/voice-call-end-record.js';
import { openVoiceConversation } from '../../src/storage/voice-call-repository.js';

/**
 * Conversations as the call path and the texting path record them, written through the same
 * repository functions, for tests of what happens after a conversation (analysis, costs, roll-ups).
 */

/** The usage of one `response.done` as the realtime adapter reads REPLY_USAGE of the fake server. */
export const ONE_RESPONSE: TokenUsage = {
  inputTextTokens: 1_000,
  inputAudioTokens: 200,
  cachedTextTokens: 700,
  cachedAudioTokens: 100,
  outputTextTokens: 30,
  outputAudioTokens: 120,
};

/** One transcribed caller turn, as the adapter reads TRANSCRIPTION_USAGE of the fake server. */
export const ONE_TRANSCRIPTION: TranscriptionUsage = { inputAudioTokens: 48, inputTextTokens: 4, outputTextTokens: 14, seconds: 0 };

const times = <T extends object>(usage: T, n: number): T =>
  Object.fromEntries(Object.entries(usage).map(([k, v]) => [k, (v as number) * n])) as T;

export interface RecordedCall {
  spaId: string;
  from?: string | null;
  startedAt: Date;
  durationSeconds: number;
  /** Turns in order: [role, text]. */
  turns: [role: 'customer' | 'assistant', text: string][];
  tools?: { name: string; ok: boolean }[];
  /** Realtime responses (each billed like ONE_RESPONSE) and transcribed caller turns. */
  responses?: number;
  transcriptions?: number;
  toolOutcome?: string;
  replyLatenciesMs?: number[];
  /** Default 300 ms; null for a call that never greeted. */
  greetingLatencyMs?: number | null;
  bargeIns?: number;
}

export async function recordCall(db: Kysely<Database>, call: RecordedCall): Promise<string> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const { conversationId } = await db.transaction().execute((trx) =>
    openVoiceConversation(trx, {
      conversationId: voiceConversationId(callSid),
      spaId: call.spaId,
      callSid,
      from: call.from === undefined ? '+12025550177' : call.from,
      to: '+12025550100',
      startedAt: call.startedAt,
    }),
  );
  await db.updateTable('conversations').set({ started_at: call.startedAt, last_activity_at: call.startedAt }).where('id', '=', conversationId).execute();
  let seq = 0;
  const at = call.startedAt;
  await insertEvents(db, [{ conversationId, seq: ++seq, type: 'call_started', name: null, data: { streamSid: 'MZ1' }, at }]);
  await insertMessages(db, call.turns.map(([role, text]) => ({ conversationId, seq: ++seq, role, text, interrupted: false, spokenAt: at })));
  for (const tool of call.tools ?? []) {
    await insertEvents(db, [
      { conversationId, seq: ++seq, type: 'tool_call', name: tool.name, data: { callId: `call_${seq}`, arguments: {} }, at },
      { conversationId, seq: ++seq, type: 'tool_result', name: tool.name, data: tool.ok ? { ok: true, result: {} } : { ok: false, error: { code: 'X', message: 'no' } }, at },
    ]);
  }
  if (call.toolOutcome) await recordOutcome(db, conversationId, call.toolOutcome);
  const usage = times(ONE_RESPONSE, call.responses ?? 0);
  await insertEvents(db, [
    {
      conversationId,
      seq: ++seq,
      type: 'call_ended',
      name: 'caller',
      data: { usage, transcriptionUsage: times(ONE_TRANSCRIPTION, call.transcriptions ?? 0), costUsd: 0 },
      at,
    },
  ]);
  await db.transaction().execute((trx) => finishVoiceCall(trx, {
    conversationId,
    streamSid: 'MZ1',
    streamStartedAt: call.startedAt,
    endedAt: new Date(call.startedAt.getTime() + call.durationSeconds * 1000),
    endedBy: 'caller',
    status: 'completed',
    transferredTo: null,
    greetingLatencyMs: call.greetingLatencyMs === undefined ? 300 : call.greetingLatencyMs,
    replyLatenciesMs: call.replyLatenciesMs ?? [500],
    ...(call.bargeIns === undefined ? {} : { bargeIns: call.bargeIns }),
    model: 'gpt-realtime',
    usage,
    costUsd: 0,
  }));
  return conversationId;
}

export interface RecordedThread {
  spaId: string;
  from: string;
  startedAt: Date;
  /** Texts in order: [direction, text, segments]. */
  texts: [direction: 'inbound' | 'outbound', text: string, segments: number | null][];
  /** Responses API calls that wrote the replies, each with this usage. */
  replyCalls?: number;
  toolOutcome?: string;
}

export const ONE_REPLY_CALL = { model: 'gpt-5-mini', inputTokens: 900, cachedInputTokens: 0, outputTokens: 40 };

export async function recordTextThread(db: Kysely<Database>, thread: RecordedThread): Promise<string> {
  const customerId = await upsertCustomerByPhone(db, thread.spaId, thread.from);
  const conversationId = await openSmsThread(db, thread.spaId, customerId, 24, thread.startedAt);
  await db.updateTable('conversations').set({ started_at: thread.startedAt }).where('id', '=', conversationId).execute();
  for (const [direction, text, segments] of thread.texts) {
    await appendSmsMessage(db, {
      conversationId,
      role: direction === 'inbound' ? 'customer' : 'assistant',
      text,
      messageSid: `SM${randomBytes(16).toString('hex')}`,
      direction,
      numSegments: segments,
      at: thread.startedAt,
    });
  }
  const seq = 1000;
  for (let i = 0; i < (thread.replyCalls ?? 0); i += 1)
    await insertEvents(db, [{ conversationId, seq: seq + i, type: MODEL_USAGE_EVENT, name: 'reply', data: ONE_REPLY_CALL, at: thread.startedAt }]);
  if (thread.toolOutcome) await recordOutcome(db, conversationId, thread.toolOutcome);
  return conversationId;
}
