import { z } from 'zod';
import { customerTextTemplates } from '../sms/templates/text-language.js';
import {
  checkVerificationCode,
  discardVerificationCode,
  isCustomerVerified,
  saveVerificationCode,
  verificationTally,
} from '../storage/caller-verification-repository.js';
import { claimedCustomer } from './customer-identity.js';
import { normalisePhone } from './spa-lookup.js';
import { defineTool, ToolError, type ToolContext } from './tool.js';
import { codeDigits, hashVerificationCode, newVerificationCode, verificationCodeMatches } from './verification-code.js';

/**
 * A caller on another number proves they hold the patient's phone: a code is texted to the number
 * on file and read back. Verified, the conversation may see and change that patient's appointments.
 */

export const CODE_LIFETIME_MINUTES = 10;
/** Wrong codes a conversation may try before verification is closed for it. */
export const MAX_WRONG_CODES = 3;
/** Codes a conversation may have texted, so nobody can flood a patient's phone. */
export const MAX_CODES_SENT = 3;
/** Twilio's round trip and a retry or two; the caller hears a filler meanwhile. */
const SEND_TIMEOUT_MS = 15_000;

export const VERIFICATION_EVENT = 'caller_verification';

const LOCKED_MESSAGE =
  'Too many wrong codes: no more can be tried in this conversation. Offer to take a message for staff, or suggest calling back from the number on file.';

function conversationOf(context: ToolContext): string {
  if (!context.conversationId) throw new ToolError('VERIFICATION_UNAVAILABLE', 'Verification is not possible here; offer to take a message for staff.');
  return context.conversationId;
}

export const sendVerificationCode = defineTool({
  name: 'send_verification_code',
  timeoutMs: SEND_TIMEOUT_MS,
  description:
    'When a caller from another number gives a patient’s phone number on file and full name (find_customer, cancel or reschedule answered VERIFICATION_REQUIRED): texts a 6-digit code to that number on file. Then ask the caller to read the code back and call verify_code. Never needed when they call from the number on file.',
  schema: z.object({
    phone: z.string().min(3).describe('The phone number on file, as the caller gave it'),
    name: z.string().min(2).describe('The full name on file, as the caller gave it'),
  }),
  async execute(args, context) {
    const conversationId = conversationOf(context);
    const phone = normalisePhone(args.phone);
    if (!phone) throw new ToolError('INVALID_PHONE', 'That is not a phone number; ask for it again.');
    if (phone === context.customerPhone) return { sent: false, note: 'The caller is on the number on file: no code is needed.' };
    const customer = await claimedCustomer(context, phone, args.name);
    if (!customer)
      throw new ToolError('CUSTOMER_NOT_VERIFIED', 'The number and name do not match a patient record. Ask again, or offer to take a message for staff.');
    if (await isCustomerVerified(context.db, conversationId, customer.id)) return { sent: false, alreadyVerified: true };
    const tally = await verificationTally(context.db, conversationId);
    if (tally.failedAttempts >= MAX_WRONG_CODES) throw new ToolError('VERIFICATION_LOCKED', LOCKED_MESSAGE);
    if (tally.codesSent >= MAX_CODES_SENT)
      throw new ToolError('TOO_MANY_CODES', 'Several codes have been sent already; ask the caller to use one of those, or offer to take a message for staff.');
    if (!context.texts) throw new ToolError('VERIFICATION_UNAVAILABLE', 'Codes cannot be texted from here; offer to take a message for staff.');

    const code = newVerificationCode();
    const now = context.now();
    const id = await saveVerificationCode(context.db, {
      spaId: context.spa.id,
      conversationId,
      customerId: customer.id,
      codeHash: await hashVerificationCode(code),
      createdAt: now,
      expiresAt: new Date(now.getTime() + CODE_LIFETIME_MINUTES * 60_000),
    });
    // In the language of the patient the code goes to (the number on file), not the caller's.
    const { texts } = await customerTextTemplates(context.db, context.spa.id, customer.id);
    const sent = await context.texts
      .send({
        spaId: context.spa.id,
        customerId: customer.id,
        body: texts.verificationCode({ spaName: context.spa.name, code, minutes: CODE_LIFETIME_MINUTES }),
        threadText: texts.verificationCodeRecord({ spaName: context.spa.name }),
        idempotencyKey: `verification:${id}`,
        purpose: 'verification',
      })
      .catch(async (error: unknown) => {
        await discardVerificationCode(context.db, id);
        context.log.warn({ err: error }, 'verification code not sent');
        throw new ToolError('TEXT_NOT_SENT', 'The code could not be texted just now. Apologise and offer to take a message for staff.');
      });
    if (sent !== 'sent') {
      await discardVerificationCode(context.db, id);
      throw new ToolError('TEXT_NOT_SENT', 'That number does not take texts from us, so no code can be sent. Offer to take a message for staff.');
    }
    const phoneEndsWith = customer.phone.slice(-4);
    await context.recordEvent(VERIFICATION_EVENT, 'sent', { customerId: customer.id, phoneEndsWith });
    return { sent: true, message: `A code was sent to the number ending ${phoneEndsWith}.`, expiresInMinutes: CODE_LIFETIME_MINUTES };
  },
});

export const verifyCode = defineTool({
  name: 'verify_code',
  secretArguments: ['code'],
  description:
    'Check the 6-digit code the caller read back after send_verification_code. Once verified, repeat find_customer, cancel_appointment or reschedule_appointment with the same phone and name. Never read the code aloud yourself.',
  schema: z.object({ code: z.string().min(1).max(40).describe('The digits as the caller read them out') }),
  async execute(args, context) {
    const conversationId = conversationOf(context);
    const digits = codeDigits(args.code);
    if (!digits) throw new ToolError('CODE_FORMAT', 'The code has 6 digits; ask the caller to read it again.');
    const check = await checkVerificationCode(context.db, conversationId, {
      now: context.now(),
      maxFailures: MAX_WRONG_CODES,
      matches: (codeHash) => verificationCodeMatches(digits, codeHash),
    });
    switch (check.status) {
      case 'verified':
        await context.recordEvent(VERIFICATION_EVENT, 'verified', { customerId: check.customerId });
        return {
          verified: true,
          note: 'The caller is verified for this patient for the rest of the conversation. Repeat the lookup or change with the same phone and name.',
        };
      case 'incorrect': {
        const locked = check.attemptsLeft <= 0;
        await context.recordEvent(VERIFICATION_EVENT, 'failed', { customerId: check.customerId, reason: 'incorrect', attemptsLeft: Math.max(0, check.attemptsLeft), locked });
        if (locked) throw new ToolError('VERIFICATION_LOCKED', LOCKED_MESSAGE);
        throw new ToolError('CODE_INCORRECT', `That code is not right (${check.attemptsLeft} ${check.attemptsLeft === 1 ? 'try' : 'tries'} left). Ask the caller to read it again.`);
      }
      case 'expired':
        await context.recordEvent(VERIFICATION_EVENT, 'failed', { customerId: check.customerId, reason: 'expired' });
        throw new ToolError('CODE_EXPIRED', `The code has expired (codes last ${CODE_LIFETIME_MINUTES} minutes). Offer to send a new one.`);
      case 'locked':
        throw new ToolError('VERIFICATION_LOCKED', LOCKED_MESSAGE);
      case 'none':
        throw new ToolError('NO_CODE_SENT', 'No code has been sent in this conversation; use send_verification_code first.');
    }
  },
});
