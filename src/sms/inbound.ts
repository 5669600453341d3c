import type { FastifyBaseLogger } from 'fastify';
import { setSmsOptedOut, upsertCustomerByPhone } from '../storage/customer-repository.js';
import type { Db } from '../storage/database.js';
import { addJob, queueDelay, SMS_REPLY_TASK } from '../storage/job-queue.js';
import { appendSmsMessage, openSmsThread, setDeliveryStatus } from '../storage/sms-repository.js';
import { E164_PATTERN } from '../storage/spa-profile.js';
import { findSpaIdByPhone, loadSpaSettings } from '../storage/spa-repository.js';
import { scheduleThreadAnalysis } from './outbound.js';

/** The words carriers and Twilio treat as opt-out / opt-in / help, alone in a message. */
const OPT_OUT = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'revoke']);
const OPT_IN = new Set(['start', 'unstop', 'yes', 'optin']);
const HELP = new Set(['help', 'info']);

export type Keyword = 'opt-out' | 'opt-in' | 'help' | undefined;

export function keywordOf(body: string): Keyword {
  const word = body.trim().toLowerCase().replace(/[.!]+$/, '');
  if (OPT_OUT.has(word)) return 'opt-out';
  if (OPT_IN.has(word)) return 'opt-in';
  if (HELP.has(word)) return 'help';
  return undefined;
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
  const keyword = keywordOf(text.body);
  if (keyword === 'opt-out') {
    await setSmsOptedOut(db, customerId, now);
    log.info('patient opted out of texts');
    return;
  }
  if (keyword === 'opt-in') {
    await setSmsOptedOut(db, customerId, null);
    log.info('patient opted back in to texts');
    return;
  }
  await addJob(
    db,
    SMS_REPLY_TASK,
    { conversationId, help: keyword === 'help' },
    { jobKey: `sms-reply:${conversationId}`, runAt: queueDelay(keyword === 'help' ? 0 : REPLY_DEBOUNCE_MS) },
  );
}

export async function recordDeliveryStatus(
  deps: InboundDependencies,
  update: { messageSid: string; status: string; errorCode: string | null },
  log: FastifyBaseLogger,
): Promise<void> {
  if (!(await setDeliveryStatus(deps.db, update.messageSid, update.status, update.errorCode)))
    log.debug('delivery status for a message we do not know');
}
