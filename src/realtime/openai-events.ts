import { z } from 'zod';

/** The OpenAI Realtime GA server events a phone call uses, parsed at the edge. Others are ignored. */

const usageSchema = z
  .object({
    input_tokens: z.number().optional(),
    output_tokens: z.number().optional(),
    input_token_details: z
      .object({
        text_tokens: z.number().optional(),
        audio_tokens: z.number().optional(),
        cached_tokens: z.number().optional(),
        cached_tokens_details: z
          .object({ text_tokens: z.number().optional(), audio_tokens: z.number().optional() })
          .partial()
          .optional(),
      })
      .partial()
      .optional(),
    output_token_details: z.object({ text_tokens: z.number().optional(), audio_tokens: z.number().optional() }).partial().optional(),
  })
  .partial();

const transcriptionUsageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('tokens'),
    input_tokens: z.number().optional(),
    output_tokens: z.number().optional(),
    input_token_details: z.object({ audio_tokens: z.number().optional(), text_tokens: z.number().optional() }).partial().optional(),
  }),
  z.object({ type: z.literal('duration'), seconds: z.number() }),
]);

export type TranscriptionUsagePayload = z.infer<typeof transcriptionUsageSchema>;

/** `response.done`'s `status_details`: why a response was cancelled or incomplete, or the error it failed with. */
const responseStatusDetailsSchema = z.object({
  type: z.string().nullish(),
  reason: z.string().nullish(),
  error: z.object({ type: z.string().nullish(), code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export type ResponseStatusDetails = z.infer<typeof responseStatusDetailsSchema>;

export const serverEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.created') }),
  z.object({ type: z.literal('session.updated') }),
  z.object({
    type: z.literal('input_audio_buffer.speech_started'),
    audio_start_ms: z.number(),
    item_id: z.string(),
  }),
  z.object({ type: z.literal('input_audio_buffer.speech_stopped'), audio_end_ms: z.number(), item_id: z.string() }),
  z.object({
    type: z.literal('input_audio_buffer.committed'),
    item_id: z.string(),
    previous_item_id: z.string().nullish(),
  }),
  z.object({
    type: z.literal('conversation.item.input_audio_transcription.completed'),
    item_id: z.string(),
    transcript: z.string(),
    // Billed at the transcription model's price, apart from the realtime model. A usage we cannot
    // read must not cost us the transcript.
    usage: transcriptionUsageSchema.optional().catch(undefined),
  }),
  z.object({
    type: z.literal('conversation.item.input_audio_transcription.failed'),
    item_id: z.string(),
    error: z.object({ message: z.string().optional(), code: z.string().nullish() }).optional(),
  }),
  z.object({
    type: z.literal('response.created'),
    response: z.object({
      id: z.string(),
      // null for an out-of-band response (`conversation: 'none'`).
      conversation_id: z.string().nullish(),
      metadata: z.record(z.string(), z.string()).nullish().catch(undefined),
    }),
  }),
  z.object({
    type: z.literal('response.output_item.added'),
    response_id: z.string(),
    item: z.object({ id: z.string(), type: z.string(), role: z.string().optional() }),
  }),
  z.object({
    type: z.literal('response.output_audio.delta'),
    response_id: z.string(),
    item_id: z.string(),
    delta: z.string(),
  }),
  z.object({
    type: z.literal('response.output_audio_transcript.done'),
    item_id: z.string(),
    transcript: z.string(),
  }),
  z.object({
    type: z.literal('response.function_call_arguments.done'),
    response_id: z.string(),
    call_id: z.string(),
    name: z.string(),
    arguments: z.string(),
  }),
  z.object({
    type: z.literal('response.done'),
    response: z.object({
      id: z.string(),
      status: z.string(),
      // A detail we cannot read must not cost us the end of the response.
      status_details: responseStatusDetailsSchema.nullish().catch(undefined),
      metadata: z.record(z.string(), z.string()).nullish().catch(undefined),
      usage: usageSchema.nullish(),
    }),
  }),
  z.object({
    type: z.literal('error'),
    error: z.object({ type: z.string().optional(), code: z.string().nullish(), message: z.string() }),
  }),
]);

export type ServerEvent = z.infer<typeof serverEventSchema>;
export type UsagePayload = z.infer<typeof usageSchema>;

export const HANDLED_EVENT_TYPES: ReadonlySet<string> = new Set(serverEventSchema.options.map((o) => o.shape.type.value));

type AudioDeltaEvent = Extract<ServerEvent, { type: 'response.output_audio.delta' }>;

/**
 * A server event we handle, checked against the schema, or undefined (an event we ignore, or one
 * that does not match). Reply audio arrives as one delta event every few tens of milliseconds per
 * call, each carrying kilobytes of base64; those are checked by hand with the schema's rules
 * (three strings) rather than through zod's union, which cost more than the rest of the event's
 * handling under load. test/realtime/openai-events.test.ts holds both to the same answers.
 */
export function parseServerEvent(json: unknown, type: string): ServerEvent | undefined {
  if (type === 'response.output_audio.delta') {
    const { response_id: responseId, item_id: itemId, delta } = json as Record<string, unknown>;
    if (typeof responseId === 'string' && typeof itemId === 'string' && typeof delta === 'string')
      return { type, response_id: responseId, item_id: itemId, delta } satisfies AudioDeltaEvent;
  }
  return parseServerEventWithSchema(json);
}

/** The zod schema alone: the reference for parseServerEvent, and its path for every other event. */
export function parseServerEventWithSchema(json: unknown): ServerEvent | undefined {
  const parsed = serverEventSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
