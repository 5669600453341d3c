import type { JobHelpers, Task } from 'graphile-worker';
import { z } from 'zod';
import { composeAppointmentText } from '../sms/appointment-texts.js';
import { APPOINTMENT_REMINDER_TASK, APPOINTMENT_TEXT_TASK, queueTime } from '../storage/job-queue.js';
import { sendTextToCustomer, TextSendError, type OutboundDependencies } from '../sms/outbound.js';
import { nextSendableTime } from './quiet-hours.js';


const textPayload = z.object({
  appointmentId: z.string().uuid(),
  purpose: z.enum(['confirmation', 'reschedule', 'cancellation']),
});
const reminderPayload = z.object({ appointmentId: z.string().uuid() });

/** Permanent refusals are recorded and not retried; transient ones go back to the queue with backoff. */
async function sendOrRetry(work: () => Promise<unknown>, helpers: JobHelpers): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof TextSendError && !error.retryable) {
      helpers.logger.warn(`text not sent, Twilio refused it: ${error.message}`);
      return;
    }
    throw error;
  }
}

export function appointmentTasks(deps: OutboundDependencies): Record<string, Task> {
  return {
    // Confirmations answer something the patient just did, so they go out at once, day or night.
    [APPOINTMENT_TEXT_TASK]: async (payload, helpers) => {
      const { appointmentId, purpose } = textPayload.parse(payload);
      const text = await composeAppointmentText(deps.db, appointmentId, purpose);
      if (!text) return;
      await sendOrRetry(() => sendTextToCustomer(deps, { ...text, purpose }), helpers);
    },
    // Reminders are unsolicited: never at night in the spa's time zone.
    [APPOINTMENT_REMINDER_TASK]: async (payload, helpers) => {
      const { appointmentId } = reminderPayload.parse(payload);
      const text = await composeAppointmentText(deps.db, appointmentId, 'reminder');
      if (!text) return;
      const now = deps.now();
      const sendable = nextSendableTime(now, text.timezone);
      if (sendable.getTime() > now.getTime() && sendable.getTime() < text.startsAt.getTime()) {
        await helpers.addJob(APPOINTMENT_REMINDER_TASK, { appointmentId }, { runAt: queueTime(sendable, now), jobKey: `appointment:${appointmentId}:reminder` });
        return;
      }
      await sendOrRetry(() => sendTextToCustomer(deps, { ...text, purpose: 'reminder' }), helpers);
    },
  };
}
