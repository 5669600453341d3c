import { composeAppointmentText, type AppointmentTextPurpose } from '../sms/appointment-texts.js';
import type { ToolContext } from './tool.js';

/**
 * On the console's test line the appointment text the patient would get is shown in the page
 * (and never queued for their phone). A text that cannot be composed is left out, as the job
 * that would have sent it leaves it out; the booking itself has happened either way.
 */
export async function showOnTestLine(context: ToolContext, appointmentId: string, purpose: AppointmentTextPurpose): Promise<void> {
  const testLine = context.testLine;
  if (!testLine) return;
  try {
    const text = await composeAppointmentText(context.db, appointmentId, purpose);
    if (text) testLine.show({ purpose, body: text.body });
  } catch (error) {
    context.log.warn({ err: error }, 'could not show the appointment text on the test line');
  }
}
