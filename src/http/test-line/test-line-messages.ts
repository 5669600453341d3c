import { z } from 'zod';

/**
 * The test line's wire protocol between the console page and the service, over one WebSocket.
 * Audio travels in binary frames both ways: PCM16 little-endian, mono, 24 kHz (the page resamples
 * its microphone to that and plays what it gets at its device rate). Everything else is JSON text.
 */

export const TEST_LINE_SAMPLE_RATE_HZ = 24_000;
/** The service sends audio in frames of this length, each a mark's worth at most. */
export const TEST_LINE_FRAME_MS = 20;
/** Longest mark name we send (`key:ms`); anything longer from the page is not ours. */
const MAX_MARK_NAME = 64;

/** E.164: a plus, a country code, up to 15 digits. */
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'a phone number in E.164 form, e.g. +12025550123');

const callerChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new') }).strict(),
  z.object({ kind: z.literal('number'), number: e164 }).strict(),
]);

/** What the page sends as text. */
export const pageMessage = z.discriminatedUnion('type', [
  /** The first message: who the test caller is. */
  z.object({ type: z.literal('start'), caller: callerChoice }).strict(),
  /** Everything before this mark has played in the page (or was cleared). */
  z.object({ type: z.literal('mark'), name: z.string().min(1).max(MAX_MARK_NAME) }).strict(),
  z.object({ type: z.literal('dtmf'), digit: z.string().regex(/^[0-9*#]$/) }).strict(),
  /** The person pressed Hang up. */
  z.object({ type: z.literal('hangup') }).strict(),
]);

export type PageMessage = z.infer<typeof pageMessage>;
export type CallerChoice = z.infer<typeof callerChoice>;

/** What the service sends as text. */
export type ServiceMessage =
  | {
      type: 'started';
      conversationId: string;
      callerNumber: string;
      knownCaller: boolean;
      sampleRateHz: number;
      frameMs: number;
    }
  | { type: 'refused'; code: string; message: string }
  | { type: 'mark'; name: string }
  | { type: 'clear' }
  | { type: 'turn'; seq: number; role: string; text: string; interrupted: boolean }
  | { type: 'event'; kind: string; name: string | null; data: unknown }
  | { type: 'latency'; ms: number }
  | { type: 'text'; purpose: string; body: string }
  | { type: 'ended'; reason: string };

export type ParsedPageMessage = { ok: true; message: PageMessage } | { ok: false; reason: string };

export function parsePageMessage(text: string): ParsedPageMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = pageMessage.safeParse(json);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid message' };
}
