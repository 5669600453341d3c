import { randomUUID } from 'node:crypto';
import { setAiPaused } from '../storage/conversation-repository.js';
import { findStaffTextThread } from '../storage/sms-repository.js';
import { sendTextToCustomer, type OutboundDependencies } from './outbound.js';

export class StaffTextError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'NOT_A_TEXT_THREAD' | 'OPTED_OUT',
    message: string,
  ) {
    super(message);
    this.name = 'StaffTextError';
  }
}

/**
 * Staff step into a text thread: their text goes out as the spa, and the receptionist stays quiet
 * on that thread until staff hand it back. An opted-out patient is never texted.
 */
export async function sendStaffText(
  deps: OutboundDependencies,
  spaId: string,
  conversationId: string,
  body: string,
): Promise<{ sent: boolean }> {
  const thread = await findStaffTextThread(deps.db, spaId, conversationId);
  if (!thread) throw new StaffTextError('NOT_FOUND', 'No such conversation.');
  if (thread.channel !== 'sms' || !thread.customerId) throw new StaffTextError('NOT_A_TEXT_THREAD', 'Only text threads can be answered by text.');
  if (thread.optedOut) throw new StaffTextError('OPTED_OUT', 'This patient has opted out of texts (they can text START to opt back in).');
  await setAiPaused(deps.db, spaId, conversationId, true);
  const result = await sendTextToCustomer(deps, {
    spaId,
    customerId: thread.customerId,
    body,
    idempotencyKey: `staff:${randomUUID()}`,
    purpose: 'staff',
    role: 'staff',
  });
  return { sent: result === 'sent' };
}

/** Staff hand the thread back to the receptionist (or take it). */
export async function setAssistantPaused(deps: Pick<OutboundDependencies, 'db'>, spaId: string, conversationId: string, paused: boolean): Promise<boolean> {
  return setAiPaused(deps.db, spaId, conversationId, paused);
}
