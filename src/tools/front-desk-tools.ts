import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { upcomingAppointments } from '../storage/appointment-repository.js';
import { recordOutcome } from '../storage/conversation-repository.js';
import { findCustomerContact, findCustomersByName } from '../storage/customer-repository.js';
import { saveStaffMessage, type StaffMessage } from '../storage/staff-message-repository.js';
import { describeAppointment } from './booking-tools.js';
import { describeHours, formatPrice } from './spa-facts.js';
import { verifiedCustomer } from './customer-identity.js';
import { normalisePhone, openingState } from './spa-lookup.js';
import { defineTool, ToolError } from './tool.js';

export const getSpaInfo = defineTool({
  name: 'get_spa_info',
  readOnly: true,
  description: 'The spa’s services (duration, price, description), providers and what each performs, hours, address and policies.',
  schema: z.object({}),
  async execute(_args, { spa, now }) {
    return {
      name: spa.name,
      address: spa.address,
      website: spa.website,
      hours: describeHours(spa.hours),
      openNow: openingState(spa, now()).open,
      services: spa.services.map((s) => ({
        name: s.name,
        durationMinutes: s.durationMinutes,
        price: formatPrice(s),
        description: s.description,
      })),
      providers: spa.providers.map((p) => ({
        name: p.name,
        title: p.title,
        performs: spa.services.filter((s) => p.serviceIds.includes(s.id)).map((s) => s.name),
      })),
      policies: spa.persona.policies,
    };
  },
});

export const findCustomer = defineTool({
  name: 'find_customer',
  readOnly: true,
  description:
    "Look up the patient: by the number they are calling from, or by the phone number on file together with the full name (from another number, only once verify_code has confirmed a code texted to that number). Returns their upcoming appointments (with ids for rescheduling or cancelling). Other patients' details are never returned.",
  schema: z.object({ phone: z.string().optional(), name: z.string().min(2).optional() }),
  async execute(args, context) {
    const { db, spa } = context;
    const customerId = await verifiedCustomer(context, args);
    if (!customerId) {
      // Never read out another patient's details: only say whether a record could be checked.
      const candidates = args.name ? await findCustomersByName(db, spa.id, args.name) : [];
      return {
        found: false,
        ...(candidates.length > 0
          ? { note: 'A record may exist under that name. Ask for the phone number on the booking together with the full name.' }
          : {}),
      };
    }
    const customer = await findCustomerContact(db, customerId);
    return {
      found: true,
      customer: {
        name: customer.name,
        phoneEndsWith: customer.phone.slice(-4),
        emailOnFile: customer.email !== null,
        upcomingAppointments: (await upcomingAppointments(db, customerId, context.now())).map((a) => describeAppointment(spa, a)),
      },
    };
  },
});

export const transferToStaff = defineTool({
  name: 'transfer_to_staff',
  readOnly: false,
  description:
    'Hand the call to a person at the front desk: when the caller asks for a human, for medical questions, complaints, or anything you cannot do. Only works during opening hours; otherwise offer to take a message.',
  schema: z.object({ reason: z.string().max(300).describe('Why, in a few words, for the staff member') }),
  async execute(args, context) {
    const { spa } = context;
    const state = openingState(spa, context.now());
    if (!state.open || !spa.transferNumber)
      return {
        transferred: false,
        reason: spa.transferNumber ? 'The front desk is closed right now.' : 'There is no front-desk line to transfer to.',
        nextOpening: state.nextOpening,
        suggestion: 'Offer to take a message so staff call back.',
      };
    if (!context.call) throw new ToolError('NOT_A_CALL', 'Transfers only work on phone calls.');
    await context.call.transferTo(spa.transferNumber, 'Please hold while I connect you with our front desk.', args.reason);
    if (context.conversationId) {
      // The caller is on their way to staff whether or not the database is there to note it.
      if (context.writes) context.writes.enqueue({ type: 'record_outcome', conversationId: context.conversationId, outcome: 'transferred' });
      else await recordOutcome(context.db, context.conversationId, 'transferred');
    }
    // The reason may be clinical: kept out of info-level logs (it is in the conversation's events).
    context.log.debug({ reason: args.reason }, 'call transferred to staff');
    return { transferred: true, note: 'The caller is being connected now; do not say anything more.' };
  },
});

/** How long take_message waits for the database before telling the caller the message is taken. */
const MESSAGE_WRITE_WAIT_MS = 2_000;

export const takeMessage = defineTool({
  name: 'take_message',
  readOnly: false,
  description: 'Take a message for staff to call the patient back: their name, the number to call, and what it is about.',
  schema: z.object({
    name: z.string().min(2).max(100),
    callbackNumber: z.string().optional().describe("Only if different from the caller's number"),
    reason: z.string().min(3).max(1000),
  }),
  async execute(args, context) {
    const number = args.callbackNumber ? normalisePhone(args.callbackNumber) : context.customerPhone;
    if (!number) throw new ToolError('CALLBACK_NUMBER_REQUIRED', 'Ask for a phone number staff can call back on.');
    const message: StaffMessage = {
      id: randomUUID(),
      spaId: context.spa.id,
      conversationId: context.conversationId,
      customerId: context.customerId,
      callerName: args.name,
      callbackNumber: number,
      reason: args.reason,
      at: new Date(),
    };
    if (context.writes) {
      // A message is the caller's way out when everything else fails: it must survive the
      // database being away, so it waits in the write queue like the rest of the call's record.
      const saved = await context.writes.submit({ ...message, type: 'take_staff_message', at: message.at.toISOString() }, MESSAGE_WRITE_WAIT_MS);
      if (saved.status === 'dead-lettered') throw new ToolError('MESSAGE_NOT_SAVED', 'The message could not be saved.');
    } else await saveStaffMessage(context.db, message);
    return { taken: true, callbackNumberEndsWith: number.slice(-4) };
  },
});

export const endCall = defineTool({
  name: 'end_call',
  readOnly: false,
  description: 'Hang up once the conversation is over. Say goodbye first, in the same turn; the line closes after your goodbye has been heard.',
  schema: z.object({}),
  async execute(_args, context) {
    if (!context.call) throw new ToolError('NOT_A_CALL', 'There is no call to end.');
    context.call.endCallAfterSpeech();
    return { ending: true };
  },
});
