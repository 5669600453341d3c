import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { TextSendError } from '../sms/outbound.js';
import type { KeywordReply } from '../sms/inbound.js';
import { replyToThread, type SmsReplyDependencies } from '../sms/sms-replies.js';
import { templatesFor } from '../sms/templates/text-language.js';
import { sendTextToCustomer } from '../sms/outbound.js';
import { SMS_REPLY_TASK } from '../storage/job-queue.js';
import { latestInboundText } from '../storage/sms-repository.js';

const payloadSchema = z.object({
  conversationId: z.string().uuid(),
  /** Jobs queued before keyword replies had names. */
  help: z.boolean().default(false),
  keywordReply: z.enum(['help', 'opted-out', 'opted-in']).optional(),
  /** The language of the keyword the patient sent (AYUDA, PARAR: Spanish). */
  language: z.enum(['en', 'es']).default('en'),
});

const KEYWORD_TEXTS = { help: 'help', 'opted-out': 'optedOut', 'opted-in': 'optedIn' } as const satisfies Record<KeywordReply, string>;

/** Answers a text thread (or a HELP) from the queue; Twilio's transient errors are retried. */
export function smsReplyTasks(deps: SmsReplyDependencies): Record<string, Task> {
  return {
    [SMS_REPLY_TASK]: async (payload, helpers) => {
      const { conversationId, help, keywordReply, language } = payloadSchema.parse(payload);
      const reply = keywordReply ?? (help ? 'help' : undefined);
      try {
        if (reply) {
          const thread = await latestInboundText(deps.db, conversationId);
          if (!thread?.customerId) return;
          await sendTextToCustomer(deps, {
            spaId: thread.spaId,
            customerId: thread.customerId,
            body: templatesFor(language)[KEYWORD_TEXTS[reply]]({ name: thread.name }),
            idempotencyKey: `sms-${reply}:${thread.sid}`,
            purpose: reply,
            // The one text an opted-out patient still gets: that the opt-out worked.
            ...(reply === 'opted-out' ? { confirmsOptOut: true } : {}),
          });
          return;
        }
        await replyToThread(deps, conversationId);
      } catch (error) {
        if (error instanceof TextSendError && !error.retryable) {
          helpers.logger.warn(`reply not sent, Twilio refused it: ${error.message}`);
          return;
        }
        throw error;
      }
    },
  };
}
