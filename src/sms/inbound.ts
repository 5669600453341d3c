import type { FastifyBaseLogger } from 'fastify';
import { recordConversationLanguage, setSmsOptedOut, upsertCustomerByPhone } from '../storage/customer-repository.js';
import type { Db } from '../storage/database.js';
import { addJob, queueDelay, SMS_REPLY_TASK } from '../storage/job-queue.js';
import { appendSmsMessage, openSmsThread, setDeliveryStatus } from '../storage/sms-repository.js';
import { E164_PATTERN } from '../storage/spa-profile.js';
import { findSpaIdByPhone, loadSpaSettings } from '../storage/spa-repository.js';
import { scheduleThreadAnalysis } from './outbound.js';
import type { TextLanguage } from './templates/text-templates.js';
import { detectLanguage } from '../language/language-detector.js';

export type Keyword = 'opt-out' | 'opt-in' | 'help' | undefined;

/** The texts that answer a keyword (the job's payload names one). */
export type KeywordReply = 'help' | 'opted-out' | 'opted-in';

/**
 * The words carriers and Twilio treat as opt-out / opt-in / help, alone in a message, and their
 * Spanish counterparts. CANCELAR, like Twilio's CANCEL, opts out: alone it is the carrier word;
 * "cancelar mi cita" is a sentence and goes to the receptionist (the Spanish opt-out reply also
 * says to call to cancel an appointment).
 */
const KEYWORDS = new Map<string, { keyword: NonNullable<Keyword>; language: TextLanguage }>([
  ...['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'revoke'].map((w) => [w, { keyword: 'opt-out', language: 'en' }] as const),
  ...['start', 'unstop', 'yes', 'optin'].map((w) => [w, { keyword: 'opt-in', language: 'en' }] as const),
  ...['help', 'info'].map((w) => [w, { keyword: 'help', language: 'en' }] as const),
  ...['parar', 'cancelar', 'alto'].map((w) => [w, { keyword: 'opt-out', language: 'es' }] as const),
  ...['comenzar'].map((w) => [w, { keyword: 'opt-in', language: 'es' }] as const),
  ...['ayuda'].map((w) => [w, { keyword: 'help', language: 'es' }] as const),
]);

/** The keyword a text is, alone, with the language it is a word of. */
export function keywordIn(body: string): { keyword: NonNullable<Keyword>; language: TextLanguage } | undefined {
  return KEYWORDS.get(body.trim().toLowerCase().replace(/[.!¡]+/g, ''));
}

export function keywordOf(body: string): Keyword {
  return keywordIn(body)?.keyword;
}

/** Texts to debounce: a patient who sends three quick texts gets one reply to all three. */
const REPLY_DEBOUNCE_MS = 1_500;

export interface InboundDependencies {
  db: Db;
  now: () => Date;
  analysisQuietMs: number;
}

export interface InboundTextMessage {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  numSegments: number | null;
  media: { url: string; contentType: string }[];
}

/**
 * An inbound text: stored once per MessageSid in the patient's thread (one customer across calls
 * and texts), keywords honoured, and a reply queued unless staff have the thread or the patient
 * opted out.
 */
export async function receiveText(deps: InboundDependencies, text: InboundTextMessage, log: FastifyBaseLogger): Promise<void> {
  const { db } = deps;
  const spaId = await findSpaIdByPhone(db, text.to);
  if (!spaId || !E164_PATTERN.test(text.from)) {
    log.warn('text to an unknown number or from a non-phone sender; ignored');
    return;
  }
  const now = deps.now();
  const customerId = await upsertCustomerByPhone(db, spaId, text.from);
  const settings = await loadSpaSettings(db, spaId);
  const conversationId = await openSmsThread(db, spaId, customerId, settings.smsThreadQuietHours, now);
  const fresh = await appendSmsMessage(db, {
    conversationId,
    role: 'customer',
    text: text.body,
    messageSid: text.messageSid,
    direction: 'inbound',
    numSegments: text.numSegments,
    media: text.media,
    deliveryStatus: 'received',
    at: now,
  });
  if (!fresh) {
    log.info('a retried delivery of a text already stored; nothing more to do');
    return;
  }
  await scheduleThreadAnalysis(deps, conversationId);
  const found = keywordIn(text.body);
  // The patient writes in this language: the thread shows it and their next texts and calls use it.
  const language = found?.language ?? detectLanguage(text.body)?.language;
  if (language && settings.languages.includes(language)) await recordConversationLanguage(db, conversationId, language);
  const keyword = found?.keyword;
  if (keyword === 'opt-out') {
    await setSmsOptedOut(db, customerId, now);
    log.info('patient opted out of texts');
    // Twilio answers its own English words; a Spanish one is ours to confirm, in Spanish.
    if (found?.language === 'es') await queueKeywordReply(db, conversationId, 'opted-out', found.language);
    return;
  }
  if (keyword === 'opt-in') {
    await setSmsOptedOut(db, customerId, null);
    log.info('patient opted back in to texts');
    if (found?.language === 'es') await queueKeywordReply(db, conversationId, 'opted-in', found.language);
    return;
  }
  if (keyword === 'help') return queueKeywordReply(db, conversationId, 'help', found?.language ?? 'en');
  await addJob(db, SMS_REPLY_TASK, { conversationId }, { jobKey: `sms-reply:${conversationId}`, runAt: queueDelay(REPLY_DEBOUNCE_MS) });
}

/** The answer to a keyword, in the keyword's language, at once (it replaces a pending reply to the thread). */
async function queueKeywordReply(db: Db, conversationId: string, reply: KeywordReply, language: TextLanguage): Promise<void> {
  await addJob(db, SMS_REPLY_TASK, { conversationId, keywordReply: reply, language }, { jobKey: `sms-reply:${conversationId}`, runAt: queueDelay(0) });
}

export async function recordDeliveryStatus(
  deps: InboundDependencies,
  update: { messageSid: string; status: string; errorCode: string | null },
  log: FastifyBaseLogger,
): Promise<void> {
  if (!(await setDeliveryStatus(deps.db, update.messageSid, update.status, update.errorCode)))
    log.debug('delivery status for a message we do not know');
}
