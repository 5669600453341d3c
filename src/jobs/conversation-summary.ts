import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { TextUsage } from '../config/model-prices.js';
import { languageName } from '../language/iso-639-1.js';
import type { ConversationFacts } from '../storage/conversation-facts.js';

/**
 * The owner's reading of one conversation, written by a text model through the Responses API
 * with a strict JSON schema (structured output) and validated again with zod here. A malformed
 * answer is asked for again, a few times, and then reported as such; it never throws.
 */

export const MODEL_OUTCOMES = [
  'booked',
  'rescheduled',
  'cancelled',
  'question_answered',
  'message_taken',
  'transferred',
  'abandoned',
  'spam_or_wrong_number',
] as const;

/** What the model is asked for. No string lengths here: strict structured output does not take them. */
export const analysisSchema = z.object({
  summary: z
    .array(z.string())
    .min(2)
    .max(2)
    .describe('Exactly two short lines: 1) who got in touch and what they wanted; 2) what happened and anything left open.'),
  outcome: z.enum(MODEL_OUTCOMES),
  services: z.array(z.string()).describe("Services discussed, named as in the spa's list when they match."),
  questions: z.array(z.string()).max(5).describe('The patient\'s questions, each as a short general question, e.g. "How much is lip filler?"'),
  satisfaction: z.object({
    score: z.number().int().min(1).max(5).describe('1 = upset, 3 = neutral, 5 = delighted'),
    reason: z.string().describe('One line, grounded in what the patient said.'),
  }),
  followUpNeeded: z.boolean().describe('True if staff should contact the patient.'),
});

export interface ConversationAnalysis {
  summary: string;
  outcome: (typeof MODEL_OUTCOMES)[number];
  services: string[];
  questions: string[];
  satisfaction: number;
  satisfactionReason: string;
  followUpNeeded: boolean;
}

export type SummaryResult =
  | { kind: 'analysed'; analysis: ConversationAnalysis; usage: TextUsage[] }
  | { kind: 'malformed'; problem: string; usage: TextUsage[] };

/** Bump when the instructions or schema change, so stored analyses are redone. */
const PROMPT_VERSION = 1;
export const MALFORMED_ATTEMPTS = 3;
const MAX_TRANSCRIPT_CHARS = 24_000;
const MAX_LINE_CHARS = 240;

export function summaryInstructions(facts: ConversationFacts): string {
  return [
    `You review one conversation between ${facts.spaName}'s AI receptionist (${facts.assistantName}) and a patient, for the spa's owner.`,
    `Answer with the JSON the schema asks for, in plain ${languageName(facts.staffLanguage)}, without phone numbers or other personal details beyond a first name.`,
    ...(facts.language && facts.language !== facts.staffLanguage
      ? [
          `The conversation was held in ${languageName(facts.language)}; staff read ${languageName(facts.staffLanguage)}, so write the summary, the questions and the reason in ${languageName(facts.staffLanguage)}, and say in the summary that the patient spoke ${languageName(facts.language)}.`,
        ]
      : []),
    '',
    '- summary: exactly two short lines. Line 1: who got in touch and what they wanted. Line 2: what happened, and anything left open.',
    '- outcome: booked (a new appointment was made), rescheduled, cancelled, question_answered, message_taken (a callback request for staff),',
    '  transferred (handed to a person), abandoned (ended before anything was settled), spam_or_wrong_number.',
    '  When the booking system recorded an outcome, it is authoritative.',
    `- services: those discussed, using these names where they match: ${facts.serviceNames.join(', ') || '(none listed)'}.`,
    '- questions: what the patient asked, each as a short general question; at most five; none if they asked nothing.',
    '- satisfaction: how satisfied the patient seemed, 1 (upset) to 5 (delighted), with a one-line reason from what they said.',
    '- followUpNeeded: true when staff should contact the patient: an unresolved request, a complaint, a question for a provider, a promised callback.',
  ].join('\n');
}

function speaker(facts: ConversationFacts, role: string): string {
  if (role === 'customer') return 'Patient';
  if (role === 'assistant') return facts.assistantName;
  if (role === 'staff') return 'Staff';
  return 'System';
}

/** The conversation as the model reads it: facts first, then the transcript (its latest part if long). */
export function summaryInput(facts: ConversationFacts): string {
  const lines = facts.messages.map((m) => `${speaker(facts, m.role)}: ${m.text}${m.interrupted ? ' (cut off)' : ''}`);
  let transcript = lines.join('\n');
  if (transcript.length > MAX_TRANSCRIPT_CHARS) transcript = `(earlier messages left out)\n…${transcript.slice(-MAX_TRANSCRIPT_CHARS)}`;
  const tools = facts.tools.map((t) => `${t.name} (${t.ok === null ? 'no result' : t.ok ? 'ok' : 'failed'})`).join(', ');
  return [
    `Channel: ${facts.channel === 'voice' ? 'phone call' : 'text messages'}`,
    `Outcome recorded by the booking system: ${facts.outcomeSource === 'tool' && facts.outcome ? facts.outcome : 'none'}`,
    `Tools the receptionist used: ${tools || 'none'}`,
    '',
    'Transcript:',
    transcript,
  ].join('\n');
}

/** What the analysis is made from; the same input is never sent to the model twice. */
export function analysisInputHash(facts: ConversationFacts, model: string): string {
  const toolOutcome = facts.outcomeSource === 'tool' ? facts.outcome : null;
  return createHash('sha256')
    .update(JSON.stringify([PROMPT_VERSION, model, facts.staffLanguage, facts.language, facts.channel, toolOutcome, facts.tools, facts.serviceNames, facts.messages.map((m) => [m.role, m.text, m.interrupted])]))
    .digest('hex');
}

const clip = (text: string, max = MAX_LINE_CHARS) => {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
};

/** Validates the model's JSON text; a string is the problem found. */
export function parseAnalysis(text: string, serviceNames: string[]): ConversationAnalysis | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'the answer is not JSON';
  }
  const parsed = analysisSchema.safeParse(json);
  if (!parsed.success) return `the answer does not match the schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
  const a = parsed.data;
  const summary = a.summary.map((line) => clip(line));
  if (summary.some((line) => line.length === 0)) return 'a summary line is empty';
  const reason = clip(a.satisfaction.reason);
  if (!reason) return 'the satisfaction reason is empty';
  const known = new Map(serviceNames.map((name) => [name.toLowerCase(), name]));
  const services = [...new Set(a.services.map((s) => clip(s, 80)).filter(Boolean).map((s) => known.get(s.toLowerCase()) ?? s))].slice(0, 10);
  return {
    summary: summary.join('\n'),
    outcome: a.outcome,
    services,
    questions: a.questions.map((q) => clip(q, 160)).filter(Boolean),
    satisfaction: a.satisfaction.score,
    satisfactionReason: reason,
    followUpNeeded: a.followUpNeeded,
  };
}

function usageOf(response: OpenAI.Responses.Response): TextUsage {
  return {
    inputTokens: response.usage?.input_tokens ?? 0,
    cachedInputTokens: response.usage?.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: response.usage?.output_tokens ?? 0,
  };
}

const FORMAT = zodTextFormat(analysisSchema, 'conversation_analysis');

/**
 * Asks the model for the analysis. Malformed answers (not JSON, off-schema, cut short, refused)
 * are asked for again up to MALFORMED_ATTEMPTS times. API errors (the model unreachable) throw,
 * for the job queue to retry; the usage of calls made before that is lost with them.
 */
export async function summariseConversation(openai: OpenAI, model: string, facts: ConversationFacts): Promise<SummaryResult> {
  const usage: TextUsage[] = [];
  let problem = 'no answer';
  for (let attempt = 0; attempt < MALFORMED_ATTEMPTS; attempt += 1) {
    const response = await openai.responses.create({
      model,
      instructions: summaryInstructions(facts),
      input: summaryInput(facts),
      text: { format: FORMAT },
      store: false,
    });
    usage.push(usageOf(response));
    if (response.status === 'incomplete') {
      problem = `the answer was cut short (${response.incomplete_details?.reason ?? 'incomplete'})`;
      continue;
    }
    const result = parseAnalysis(response.output_text, facts.serviceNames);
    if (typeof result !== 'string') return { kind: 'analysed', analysis: result, usage };
    problem = result;
  }
  return { kind: 'malformed', problem, usage };
}
