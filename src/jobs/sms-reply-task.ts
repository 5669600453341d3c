import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { TextSendError } from '../sms/outbound.js';
import { HELP_TEXT, replyToThread, type SmsReplyDependencies } from '../sms/sms-replies.js';
import { sendTextToCustomer } from '../sms/outbound.js';
import { SMS_REPLY_TASK } from '../storage/job-queue.js';
import { latestInboundText } from '../storage/sms-repository.js';

const payloadSchema = z.object({ conversationId: z.string().uuid(), help: z.boolean().default(false) });

/** Answers a text thread (or a HELP) from the queue; Twilio's transient errors are retried. */
export function smsReplyTasks(deps: SmsReplyDependencies): Record<string, Task> {
  return {
    [SMS_REPLY_TASK]: async (payload, helpers) => {
      const { conversationId, help } = payloadSchema.parse(payload);
      try {
        if (help) {
          const thread = await latestInboundText(deps.db, conversationId);
          if (!thread?.customerId) return;
          await sendTextToCustomer(deps, {
            spaId: thread.spaId,
            customerId: thread.customerId,
            body: HELP_TEXT(thread),
            idempotencyKey: `sms-help:${thread.sid}`,
            purpose: 'help',
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
