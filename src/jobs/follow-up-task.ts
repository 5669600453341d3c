import type { Task } from 'graphile-worker';
import { z } from 'zod';
import { sendTextToCustomer, TextSendError, type OutboundDependencies } from '../sms/outbound.js';
import { customerTextTemplates } from '../sms/templates/text-language.js';
import { customerSpoke, findFollowUpCall, hasLaterConversation } from '../storage/conversation-repository.js';
import { CALL_FOLLOW_UP_TASK, queueTime } from '../storage/job-queue.js';
import { nextSendableTime } from './quiet-hours.js';

const payloadSchema = z.object({ conversationId: z.string().uuid() });
const UNSETTLED_OUTCOMES = ['abandoned', 'unknown'];

/**
 * After a call that ended with nothing settled (the caller spoke, nothing was booked, moved,
 * cancelled or taken as a message), a short text offers to finish by message. Not at night, not
 * to opted-out patients, and not if they have called or texted again since.
 */
export function followUpTasks(deps: OutboundDependencies): Record<string, Task> {
  return {
    [CALL_FOLLOW_UP_TASK]: async (payload, helpers) => {
      const { conversationId } = payloadSchema.parse(payload);
      const call = await findFollowUpCall(deps.db, conversationId);
      // Settled by a tool or, by the summary's reading, otherwise (a question answered, a wrong number).
      if (!call?.customerId || (call.outcome && !UNSETTLED_OUTCOMES.includes(call.outcome))) return;
      if (!(await customerSpoke(deps.db, conversationId))) return;
      const since = call.endedAt ?? new Date(0);
      if (await hasLaterConversation(deps.db, call.customerId, conversationId, since)) return;
      const now = deps.now();
      const sendable = nextSendableTime(now, call.timezone);
      if (sendable.getTime() > now.getTime()) {
        await helpers.addJob(CALL_FOLLOW_UP_TASK, { conversationId }, { runAt: queueTime(sendable, now), jobKey: `follow-up:${conversationId}` });
        return;
      }
      const name = z.object({ name: z.string() }).catch({ name: 'the receptionist' }).parse(call.persona).name;
      const { texts } = await customerTextTemplates(deps.db, call.spaId, call.customerId);
      try {
        await sendTextToCustomer(deps, {
          spaId: call.spaId,
          customerId: call.customerId,
          body: texts.followUp({ receptionist: name, spaName: call.spaName }),
          idempotencyKey: `follow-up:${conversationId}`,
          purpose: 'follow-up',
        });
      } catch (error) {
        if (error instanceof TextSendError && !error.retryable) return;
        throw error;
      }
    },
  };
}
