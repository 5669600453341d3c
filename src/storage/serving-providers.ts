import { z } from 'zod';
import { realtimeCostUsd, realtimePrice, type TokenUsage } from '../config/model-prices.js';

/**
 * Which realtime provider served which part of a call, and why the call moved, read from the
 * call's timeline: `call_started` (the first provider serves from there), `provider_switched` (a
 * failover: from whom, to whom, why) and `call_ended` (each provider's usage, priced here at its
 * own rates). A call that never switched names its provider in `call_ended` alone, so every
 * call's timeline stays as it was.
 */

export interface ServingProvider {
  provider: string;
  model: string | null;
  /** When it started serving. */
  from: Date;
  /** When the next one took over; null for the last. */
  until: Date | null;
  /** Why the call moved to it (`connect_failed`, `refused`, `responses_failing`, `unreachable`); null for the first. */
  why: string | null;
  detail: string | null;
  usage: TokenUsage | null;
  /** Its part of the realtime cost, at its own prices (USD, 6 decimals). */
  costUsd: string | null;
}

interface TimelineEvent {
  type: string;
  name: string | null;
  data: unknown;
  at: Date;
}

const count = z.number().nonnegative().catch(0);
const usageSchema = z.object({
  inputTextTokens: count,
  inputAudioTokens: count,
  cachedTextTokens: count,
  cachedAudioTokens: count,
  outputTextTokens: count,
  outputAudioTokens: count,
});
const switchedFromSchema = z.object({ from: z.string().nullable().optional() });
const switchedSchema = z.object({ model: z.string().optional(), why: z.string(), detail: z.string().optional() });
const endedSchema = z.object({ byProvider: z.array(z.object({ provider: z.string(), model: z.string(), usage: usageSchema })).optional().catch(undefined) });

const add = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  inputTextTokens: a.inputTextTokens + b.inputTextTokens,
  inputAudioTokens: a.inputAudioTokens + b.inputAudioTokens,
  cachedTextTokens: a.cachedTextTokens + b.cachedTextTokens,
  cachedAudioTokens: a.cachedAudioTokens + b.cachedAudioTokens,
  outputTextTokens: a.outputTextTokens + b.outputTextTokens,
  outputAudioTokens: a.outputAudioTokens + b.outputAudioTokens,
});

export function servingProviders(events: readonly TimelineEvent[]): ServingProvider[] {
  const spans: Omit<ServingProvider, 'usage' | 'costUsd'>[] = [];
  const usage = new Map<string, { model: string; usage: TokenUsage }>();
  let startedAt: Date | undefined;
  for (const event of events) {
    if (event.type === 'call_started') startedAt ??= event.at;
    else if (event.type === 'provider_switched' && event.name) {
      const data = switchedSchema.safeParse(event.data).data;
      const from = switchedFromSchema.safeParse(event.data).data?.from;
      const last = spans.at(-1);
      if (last && last.until === null) last.until = event.at;
      // The provider the call started on, up to its first switch.
      if (!last && from) spans.push({ provider: from, model: null, from: startedAt ?? event.at, until: event.at, why: null, detail: null });
      spans.push({ provider: event.name, model: data?.model ?? null, from: event.at, until: null, why: data?.why ?? null, detail: data?.detail ?? null });
    } else if (event.type === 'call_ended') {
      for (const part of endedSchema.safeParse(event.data).data?.byProvider ?? []) {
        const entry = usage.get(part.provider);
        usage.set(part.provider, { model: part.model, usage: entry ? add(entry.usage, part.usage) : part.usage });
        if (spans.length === 0) spans.push({ provider: part.provider, model: part.model, from: startedAt ?? event.at, until: null, why: null, detail: null });
      }
    }
  }
  for (const span of spans) span.model ??= usage.get(span.provider)?.model ?? null;
  // A provider that served twice (a call back from an unanswered transfer) shows its usage on its first span.
  const billed = new Set<string>();
  return spans.map((span) => {
    const used = billed.has(span.provider) ? undefined : usage.get(span.provider);
    billed.add(span.provider);
    return {
      ...span,
      usage: used?.usage ?? null,
      costUsd: used ? realtimeCostUsd(realtimePrice(used.model).price, used.usage).toFixed(6) : null,
    };
  });
}
