import type { FastifyBaseLogger } from 'fastify';
import type { ReplayItem } from '../realtime/realtime-model.js';
import { whisperTwiml } from '../telephony/twiml.js';
import type { UrlSeals } from '../telephony/url-seal.js';
import type { TransferBriefing } from './call-transfer.js';

/**
 * Warm transfers: before the front desk is connected to a caller, it hears who is calling (the name
 * on file, if any) and one sentence on what they want, written from the conversation so far by the
 * text model the after-call summaries use. The model gets a short time; when it fails or is slow,
 * a sentence built from the transfer's reason or the caller's last words stands in, so a transfer
 * is never held up and never silent. The whisper travels sealed in the <Number url>, so whichever
 * machine Twilio asks serves it without the database.
 */

export interface WhisperInput {
  spaName: string;
  /** The conversation so far, oldest first. */
  lines: { speaker: 'caller' | 'receptionist'; text: string }[];
  /** Why the receptionist is transferring, in her words (the tool's argument), if she said. */
  reason: string | undefined;
}

export interface WarmTransfers {
  seals: UrlSeals;
  /** The whisper webhook's public URL, without a query. */
  whisperUrl: string;
  /** One sentence on what the caller wants; may fail or be slow (it is given `timeoutMs`). */
  summarise?: (input: WhisperInput, signal: AbortSignal) => Promise<string>;
  /** The caller's name on file. */
  callerName: (customerId: string) => Promise<string | null>;
  timeoutMs: number;
}

const WHISPER_SEAL_TTL_MS = 15 * 60_000;
const MAX_SUMMARY_CHARS = 220;
export const GENERIC_WHISPER = 'A caller is being transferred to you from the receptionist. Connecting you now.';

const clean = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
};
const sentence = (text: string) => (/[.!?…]$/.test(text) ? text : `${text}.`);

/** The stand-in sentence when the model does not answer in time. */
export function fallbackSummary(input: Pick<WhisperInput, 'lines' | 'reason'>): string {
  if (input.reason?.trim()) return sentence(`They need help with: ${clean(input.reason, 160)}`);
  const said = [...input.lines].reverse().find((line) => line.speaker === 'caller' && line.text.trim());
  if (said) return `Their last words were: "${clean(said.text, 140)}"`;
  return 'They asked to speak with someone at the front desk.';
}

export function whisperText(callerName: string | null, summary: string): string {
  const who = callerName ? `Call from ${clean(callerName, 60)}.` : 'Call from a caller who is not on file.';
  return `${who} ${sentence(summary)} Connecting you now.`;
}

async function withinTime<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T | undefined> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal).catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function conversationLines(items: ReplayItem[]): WhisperInput['lines'] {
  return items.flatMap((item) =>
    item.type === 'message' && item.role !== 'system' ? [{ speaker: item.role === 'user' ? ('caller' as const) : ('receptionist' as const), text: item.text }] : [],
  );
}

/** The briefing of one call's transfers: the whisper URL and the caller ID the desk sees. */
export function transferBriefing(
  deps: WarmTransfers | undefined,
  call: { callSid: string; spaName: () => string; customerId: () => string | null; callerNumber: () => string | null; history: () => ReplayItem[] },
  log: { warn(obj: object, msg: string): void },
): TransferBriefing {
  return async (reason) => {
    const callerId = call.callerNumber() ?? undefined;
    if (!deps) return { ...(callerId ? { callerId } : {}), source: 'none' };
    const input: WhisperInput = { spaName: call.spaName(), lines: conversationLines(call.history()), reason };
    const customerId = call.customerId();
    const summarise = deps.summarise;
    const [name, modelSummary] = await Promise.all([
      customerId ? withinTime(() => deps.callerName(customerId), deps.timeoutMs) : Promise.resolve(null),
      summarise ? withinTime((signal) => summarise(input, signal), deps.timeoutMs) : Promise.resolve(undefined),
    ]);
    const summary = modelSummary ? clean(modelSummary, MAX_SUMMARY_CHARS) : '';
    if (summarise && !summary) log.warn({ timeoutMs: deps.timeoutMs }, 'no transfer summary from the model in time: the whisper uses the fallback');
    const text = whisperText(name ?? null, summary || fallbackSummary(input));
    const sealed = deps.seals.seal({ c: call.callSid, t: text }, WHISPER_SEAL_TTL_MS);
    return {
      whisperUrl: `${deps.whisperUrl}?w=${encodeURIComponent(sealed)}`,
      ...(callerId ? { callerId } : {}),
      source: summary ? 'model' : 'fallback',
    };
  };
}

/** The whisper webhook's TwiML: the sealed text for this call, or a generic line (the desk is never left in silence). */
export function transferWhisperTwiml(
  deps: WarmTransfers | undefined,
  parentCallSid: string | undefined,
  sealed: string | undefined,
  log: FastifyBaseLogger,
): string {
  const payload = deps?.seals.open(sealed);
  const text = payload && parentCallSid && payload.c === parentCallSid && typeof payload.t === 'string' ? payload.t : undefined;
  if (!text) log.warn({ sealed: sealed !== undefined }, 'whisper request without a valid seal for this call: the generic whisper is played');
  return whisperTwiml(text ?? GENERIC_WHISPER);
}
