import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { audit } from '../staff/audit.js';
import { listLiveCalls } from '../../storage/staff-queries.js';
import { authorisedSpa } from '../auth.js';
import { liveCallsResponse } from '../response-schemas.js';

/** /calls/live: calls in progress on every machine (from their heartbeats in Postgres). */

/** What a tool running on a call looks like to the front desk. */
const TOOL_ACTIVITY: Record<string, string> = {
  get_spa_info: 'answering a question',
  find_customer: 'looking up the patient',
  check_availability: 'checking availability',
  book_appointment: 'booking an appointment',
  reschedule_appointment: 'moving an appointment',
  cancel_appointment: 'cancelling an appointment',
  transfer_to_staff: 'transferring to the front desk',
  take_message: 'taking a message',
  end_call: 'saying goodbye',
};

const EVENT_ACTIVITY: Record<string, string> = {
  transfer: 'transferring to the front desk',
  wrap_up: 'wrapping up',
  hold_prompt: 'on hold: reconnecting the receptionist',
  idle_prompt: 'waiting for the caller',
};

/** The call's latest recorded step in plain words; talking when nothing else is going on. */
export function callActivity(type: string | null, name: string | null): string {
  if (type === 'tool_call' && name) return TOOL_ACTIVITY[name] ?? `using ${name.replace(/_/g, ' ')}`;
  return (type && EVENT_ACTIVITY[type]) ?? 'talking';
}

const callRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/calls/live', {
    schema: { tags: ['calls'], summary: 'Calls in progress right now, on every machine', response: { 200: liveCallsResponse } },
  }, async (request) => {
    const data = (await listLiveCalls(app.db, authorisedSpa(request))).map(({ lastEventType, lastEventName, ...call }) => ({
      ...call,
      activity: callActivity(lastEventType, lastEventName),
    }));
    // Who is calling right now (name, number): a read of patient data, on the record.
    await audit(request, { action: 'live_calls.listed', detail: { results: data.length } });
    return { data };
  });
};

export default callRoutes;
