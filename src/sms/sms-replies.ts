import type OpenAI from 'openai';
import { languageName } from '../language/iso-639-1.js';
import { findPreferredLanguage } from '../storage/customer-repository.js';
import { MODEL_USAGE_EVENT } from '../storage/conversation-facts.js';
import { appendNamedConversationEvent } from '../storage/conversation-timeline.js';
import type { Db } from '../storage/database.js';
import { findReplyableThread, recentThreadMessages, sendClaimed } from '../storage/sms-repository.js';
import { loadSpaProfile, type SpaProfile } from '../storage/spa-repository.js';
import { spaFactsText } from '../tools/spa-facts.js';
import type { ToolContext } from '../tools/tool.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { sendTextToCustomer, type OutboundDependencies } from './outbound.js';

/**
 * Text replies: the same receptionist and tools as on the phone, through the OpenAI Responses
 * API, written for SMS (short, plain). Runs on the job queue, so a slow tool never meets
 * Twilio's 15-second webhook limit.
 */

const MAX_TOOL_ROUNDS = 5;
const HISTORY = 30;
const MAX_REPLY_CHARS = 640;

export interface SmsReplyDependencies extends OutboundDependencies {
  openai: OpenAI;
  model: string;
  tools: ToolRegistry;
  calendars: ToolContext['calendars'];
}

/** Which language to write in: the patient's, among the spa's; any other is answered in the primary. */
function languageRule(spa: SpaProfile, preferred: string | null): string {
  const languages = spa.settings.languages;
  const primary = languageName(languages[0] ?? 'en');
  if (languages.length <= 1)
    return `- Write in ${primary}. If the patient writes in another language, say kindly that you can only help in ${primary} here, and keep it simple.`;
  const all = languages.map((code) => languageName(code)).join(' and ');
  const known = preferred && languages.includes(preferred) ? ` This patient has written or spoken to us in ${languageName(preferred)}; use it unless their latest text is in another of these.` : '';
  return `- You help patients in ${all}. Reply in the language of the patient's latest text when it is one of these, naturally, not as a translation.${known} If they write in any other language, say briefly and kindly, in ${primary}, that you can help in ${all}, and carry on in ${primary}.`;
}

export function smsInstructions(spa: SpaProfile, now: Date, preferredLanguage: string | null = null): string {
  return [
    `You are ${spa.persona.name}, the receptionist at ${spa.name}, answering text messages from patients.`,
    `Tone: ${spa.persona.tone}`,
    '',
    '# How to text',
    '- Reply in one to three short sentences of plain text: no markdown, no lists, at most one emoji.',
    '- Keep a reply under 300 characters when you can; a text over 160 characters costs the spa more.',
    '- Write dates and times the way a person would ("Tue, Mar 3 at 2:30 PM").',
    '- Never give medical advice; offer a consultation or a callback from a provider.',
    '- Never invent availability, prices or policies: use the tools and the facts below.',
    "- Someone texting about another number's appointments must first send back the code we text to that number (a privacy check); say so simply.",
    '- If the patient sent a photo, say kindly that you cannot view pictures here and offer a consultation.',
    languageRule(spa, preferredLanguage),
    '',
    spaFactsText(spa, now),
  ].join('\n');
}

/** The reply text trimmed to a sensible SMS length, at a sentence end when possible. */
export function fitForSms(text: string): string {
  const clean = text.replace(/\*\*|__|`/g, '').replace(/\s+\n/g, '\n').trim();
  if (clean.length <= MAX_REPLY_CHARS) return clean;
  const cut = clean.slice(0, MAX_REPLY_CHARS);
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('? '), cut.lastIndexOf('! '));
  return end > 200 ? cut.slice(0, end + 1) : `${cut.slice(0, MAX_REPLY_CHARS - 1)}…`;
}

type InputItem = OpenAI.Responses.ResponseInputItem;

/** Writes and sends the reply to a text thread's latest messages. Returns what was sent, if anything. */
export async function replyToThread(deps: SmsReplyDependencies, conversationId: string): Promise<string | undefined> {
  const { db } = deps;
  const thread = await findReplyableThread(db, conversationId);
  // Staff have taken the thread over, or the patient opted out: the receptionist stays quiet.
  if (!thread?.customerId || thread.aiPaused || thread.optedOut) return undefined;
  const history = await recentThreadMessages(db, conversationId, HISTORY);
  const lastInbound = [...history].reverse().find((m) => m.role === 'customer');
  if (!lastInbound?.sid || history.at(-1)?.role !== 'customer') return undefined; // already answered
  const key = `sms-reply:${lastInbound.sid}`;
  if (await sendClaimed(db, key)) return undefined;

  const spa = await loadSpaProfile(db, thread.spaId);
  if (!spa) return undefined;
  const preferredLanguage = await findPreferredLanguage(db, thread.customerId);
  const now = deps.now();
  const input: InputItem[] = history.map((m) => {
    const media = Array.isArray(m.media) ? (m.media as { contentType?: string }[]) : [];
    const attachment = media.length > 0 ? ` [sent ${media.length} attachment(s): ${media.map((x) => x.contentType ?? 'file').join(', ')}]` : '';
    return m.role === 'customer'
      ? { role: 'user' as const, content: `${m.text}${attachment}`.trim() || '(empty message)' }
      : { role: 'assistant' as const, content: m.text };
  });
  const context: ToolContext = {
    db,
    calendars: deps.calendars,
    spa,
    conversationId,
    customerId: thread.customerId,
    customerPhone: thread.phone,
    channel: 'sms',
    now: deps.now,
    log: deps.log.child({ conversationId }),
    texts: { send: (text) => sendTextToCustomer(deps, text) },
    recordEvent: (type, name, data) => recordEvent(db, conversationId, type, name, data),
  };
  const tools = deps.tools.definitions().map((d) => ({ type: 'function' as const, name: d.name, description: d.description, parameters: d.parameters, strict: false }));

  let reply = '';
  for (let round = 0; round < MAX_TOOL_ROUNDS; round += 1) {
    const response = await deps.openai.responses.create({
      model: deps.model,
      instructions: smsInstructions(spa, now, preferredLanguage),
      input,
      tools,
      store: false,
    });
    // Measured usage, for the thread's cost (the analysis job prices it).
    await recordEvent(db, conversationId, MODEL_USAGE_EVENT, 'reply', {
      model: deps.model,
      inputTokens: response.usage?.input_tokens ?? 0,
      cachedInputTokens: response.usage?.input_tokens_details?.cached_tokens ?? 0,
      outputTokens: response.usage?.output_tokens ?? 0,
    });
    const calls = response.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
    if (calls.length === 0) {
      reply = response.output_text;
      break;
    }
    for (const call of calls) {
      const outcome = await deps.tools.execute(call.name, call.arguments, context);
      const args = deps.tools.recordableArguments(call.name, parsedArguments(call.arguments));
      await recordEvent(db, conversationId, 'tool_call', call.name, { arguments: args, outcome });
      input.push(
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }) },
      );
    }
  }
  const text = fitForSms(reply);
  if (!text) return undefined;
  const sent = await sendTextToCustomer(deps, { spaId: thread.spaId, customerId: thread.customerId, body: text, idempotencyKey: key, purpose: 'reply' });
  return sent === 'sent' ? text : undefined;
}

function parsedArguments(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    return args; // kept as text
  }
}

async function recordEvent(db: Db, conversationId: string, type: string, name: string, data: unknown): Promise<void> {
  await appendNamedConversationEvent(db, conversationId, { type, name, data, at: new Date() });
}
