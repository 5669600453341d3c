import type { Logger } from 'pino';
import { findTextRecipient, setSmsOptedOut } from '../storage/customer-repository.js';
import type { Db } from '../storage/database.js';
import { queueConversationAnalysis } from '../storage/job-queue.js';
import { appendSmsMessage, claimSend, finishSend, openSmsThread } from '../storage/sms-repository.js';
import { spaSettingsSchema } from '../storage/spa-profile.js';
import { findSpaTextSender } from '../storage/spa-repository.js';

/** What we need of Twilio Messaging (the SDK's messages.create, adapted in app.ts). */
export interface MessageSender {
  send(message: { from: string; to: string; body: string; statusCallback: string }): Promise<{ sid: string; segments: number | null }>;
}

/** Twilio's answer when sending failed; `retryable` for rate limits and server errors. */
export class TextSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly twilioCode: number | undefined,
  ) {
    super(message);
    this.name = 'TextSendError';
  }
}

// Twilio: "Attempt to send to unsubscribed recipient" — the carrier-level STOP.
const UNSUBSCRIBED = 21610;

export interface OutboundText {
  spaId: string;
  customerId: string;
  body: string;
  /** Unique per text we mean to send (e.g. appointment, purpose and version). */
  idempotencyKey: string;
  purpose: string;
  /** What the patient's thread keeps instead of the body, when the body must not be stored (a one-time code). */
  threadText?: string;
  /** Who the thread shows as the sender: the receptionist (default) or staff stepping in. */
  role?: 'assistant' | 'staff';
  /** The confirmation of an opt-out we handle ourselves (a Spanish keyword): sent to a patient who just opted out. */
  confirmsOptOut?: boolean;
}

export interface OutboundDependencies {
  db: Db;
  sender: MessageSender;
  statusCallbackUrl: string;
  log: Logger;
  now: () => Date;
  /** A thread is analysed (summary, outcome, cost) once it has been quiet this long. */
  analysisQuietMs: number;
}

/** Every text in or out moves the thread's analysis back to "quiet period from now". */
export async function scheduleThreadAnalysis(deps: Pick<OutboundDependencies, 'db' | 'analysisQuietMs'>, conversationId: string): Promise<void> {
  await queueConversationAnalysis(deps.db, conversationId, { delayMs: deps.analysisQuietMs });
}

export type SendResult = 'sent' | 'skipped' | 'duplicate';

/**
 * Sends one text to a patient, once: opted-out patients get nothing; a key already used is not
 * sent again (another machine, or a retried job); the text lands in the patient's thread.
 * Throws TextSendError when Twilio refuses (retryable ones are for the job queue to retry).
 */
export async function sendTextToCustomer(deps: OutboundDependencies, text: OutboundText): Promise<SendResult> {
  const { db } = deps;
  const customer = await findTextRecipient(db, text.spaId, text.customerId);
  if (!(await claimSend(db, { key: text.idempotencyKey, spaId: text.spaId, customerId: text.customerId, purpose: text.purpose })))
    return 'duplicate';
  if (customer.sms_opted_out_at && !text.confirmsOptOut) {
    await finishSend(db, text.idempotencyKey, { status: 'skipped', detail: 'opted out' });
    return 'skipped';
  }
  const spa = await findSpaTextSender(db, text.spaId);
  let sent: { sid: string; segments: number | null };
  try {
    sent = await deps.sender.send({ from: spa.from, to: customer.phone, body: text.body, statusCallback: deps.statusCallbackUrl });
  } catch (error) {
    const failure = error instanceof TextSendError ? error : new TextSendError(String(error), true, undefined);
    if (failure.twilioCode === UNSUBSCRIBED) {
      await setSmsOptedOut(db, text.customerId, deps.now());
      await finishSend(db, text.idempotencyKey, { status: 'skipped', detail: 'unsubscribed at the carrier' });
      return 'skipped';
    }
    await finishSend(db, text.idempotencyKey, { status: 'failed', detail: failure.message.slice(0, 500) });
    throw failure;
  }
  await finishSend(db, text.idempotencyKey, { status: 'sent', messageSid: sent.sid });
  const quietHours = spaSettingsSchema.parse(spa.settings).smsThreadQuietHours;
  const conversationId = await openSmsThread(db, text.spaId, text.customerId, quietHours, deps.now());
  if (
    await appendSmsMessage(db, {
      conversationId,
      role: text.role ?? 'assistant',
      text: text.threadText ?? text.body,
      messageSid: sent.sid,
      direction: 'outbound',
      numSegments: sent.segments,
      deliveryStatus: 'queued',
      at: deps.now(),
    })
  )
    await scheduleThreadAnalysis(deps, conversationId);
  deps.log.info({ purpose: text.purpose, messageSid: sent.sid }, 'text sent');
  return 'sent';
}
