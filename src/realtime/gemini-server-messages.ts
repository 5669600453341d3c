import { z } from 'zod';
import type { TokenUsage } from '../config/model-prices.js';

/**
 * Gemini Live server messages (`BidiGenerateContentServerMessage`), parsed at the edge. One
 * message may carry several fields (e.g. `serverContent` with `usageMetadata`); fields we do not
 * use are ignored. Frames may come as text or as binary UTF-8 JSON.
 */

const blobSchema = z.object({ mimeType: z.string().optional(), data: z.string() });
const partSchema = z.object({ text: z.string().optional(), inlineData: blobSchema.optional() });
const transcriptionSchema = z.object({ text: z.string().optional() });
const modalityCountsSchema = z.array(z.object({ modality: z.string().optional(), tokenCount: z.number().nonnegative().optional() })).optional();

const usageMetadataSchema = z.object({
  promptTokenCount: z.number().nonnegative().optional(),
  cachedContentTokenCount: z.number().nonnegative().optional(),
  responseTokenCount: z.number().nonnegative().optional(),
  toolUsePromptTokenCount: z.number().nonnegative().optional(),
  thoughtsTokenCount: z.number().nonnegative().optional(),
  totalTokenCount: z.number().nonnegative().optional(),
  promptTokensDetails: modalityCountsSchema,
  cacheTokensDetails: modalityCountsSchema,
  responseTokensDetails: modalityCountsSchema,
  toolUsePromptTokensDetails: modalityCountsSchema,
});

export const serverMessageSchema = z.object({
  setupComplete: z.object({}).passthrough().optional(),
  serverContent: z
    .object({
      modelTurn: z.object({ role: z.string().optional(), parts: z.array(partSchema).default([]) }).optional(),
      turnComplete: z.boolean().optional(),
      generationComplete: z.boolean().optional(),
      interrupted: z.boolean().optional(),
      inputTranscription: transcriptionSchema.optional(),
      outputTranscription: transcriptionSchema.optional(),
    })
    .optional(),
  toolCall: z
    .object({ functionCalls: z.array(z.object({ id: z.string(), name: z.string(), args: z.record(z.string(), z.unknown()).optional() })).default([]) })
    .optional(),
  toolCallCancellation: z.object({ ids: z.array(z.string()).default([]) }).optional(),
  goAway: z.object({ timeLeft: z.string().optional() }).optional(),
  sessionResumptionUpdate: z.object({ newHandle: z.string().optional(), resumable: z.boolean().optional() }).optional(),
  // A usage we cannot read must not cost us the rest of the message.
  usageMetadata: usageMetadataSchema.optional().catch(undefined),
});

export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type UsageMetadata = z.infer<typeof usageMetadataSchema>;

/**
 * A message, checked against the schema, or undefined. Reply audio comes many times a second per
 * call as `{serverContent: {modelTurn: {parts: [{inlineData}]}}}` with kilobytes of base64; that
 * shape is checked by hand (the schema's rules: strings where it wants strings), everything else
 * through zod. test/realtime/gemini-server-messages.test.ts holds both to the same answers.
 */
export function parseServerMessage(json: unknown): ServerMessage | undefined {
  const audio = audioOnly(json);
  if (audio) return audio;
  const parsed = serverMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

function audioOnly(json: unknown): ServerMessage | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const message = json as Record<string, unknown>;
  if (Object.keys(message).length !== 1) return undefined;
  const content = message.serverContent as Record<string, unknown> | undefined;
  if (typeof content !== 'object' || content === null || Object.keys(content).length !== 1) return undefined;
  const turn = content.modelTurn as Record<string, unknown> | undefined;
  if (typeof turn !== 'object' || turn === null || !Array.isArray(turn.parts)) return undefined;
  if (turn.role !== undefined && typeof turn.role !== 'string') return undefined;
  const parts: { inlineData: { mimeType?: string; data: string } }[] = [];
  for (const part of turn.parts as unknown[]) {
    if (typeof part !== 'object' || part === null || Object.keys(part).length !== 1) return undefined;
    const blob = (part as { inlineData?: unknown }).inlineData as Record<string, unknown> | undefined;
    if (typeof blob !== 'object' || blob === null || typeof blob.data !== 'string') return undefined;
    if (blob.mimeType !== undefined && typeof blob.mimeType !== 'string') return undefined;
    parts.push({ inlineData: { ...(blob.mimeType !== undefined ? { mimeType: blob.mimeType } : {}), data: blob.data } });
  }
  return { serverContent: { modelTurn: { ...(turn.role !== undefined ? { role: turn.role as string } : {}), parts } } };
}

/** Seconds of a protobuf Duration in JSON ("1.5s"); undefined when it is not one. */
export function durationMs(duration: string | undefined): number | undefined {
  const match = duration === undefined ? null : /^(\d+(?:\.\d+)?)s$/.exec(duration);
  return match ? Math.round(Number(match[1]) * 1_000) : undefined;
}

function byModality(details: UsageMetadata['promptTokensDetails'], modality: string): number | undefined {
  if (!details) return undefined;
  return details.filter((d) => d.modality === modality).reduce((sum, d) => sum + (d.tokenCount ?? 0), 0);
}

/**
 * One `usageMetadata` as the price table bills it. Counts by modality where Gemini gives them; a
 * prompt without them is text, a response without them is audio (the only modality we ask for).
 * Thinking tokens are billed as output text, tool-use prompt tokens as input text.
 */
export function tokenUsage(usage: UsageMetadata): TokenUsage {
  const promptAudio = byModality(usage.promptTokensDetails, 'AUDIO') ?? 0;
  const promptText = usage.promptTokensDetails ? (usage.promptTokenCount ?? 0) - promptAudio : (usage.promptTokenCount ?? 0);
  const responseText = byModality(usage.responseTokensDetails, 'TEXT') ?? 0;
  const responseAudio = usage.responseTokensDetails ? (usage.responseTokenCount ?? 0) - responseText : (usage.responseTokenCount ?? 0);
  return {
    inputTextTokens: Math.max(0, promptText) + (usage.toolUsePromptTokenCount ?? 0),
    inputAudioTokens: promptAudio,
    cachedTextTokens: byModality(usage.cacheTokensDetails, 'TEXT') ?? 0,
    cachedAudioTokens: byModality(usage.cacheTokensDetails, 'AUDIO') ?? 0,
    outputTextTokens: responseText + (usage.thoughtsTokenCount ?? 0),
    outputAudioTokens: Math.max(0, responseAudio),
  };
}
