import type { FastifyRequest } from 'fastify';
import { recordAuditEvent } from '../../storage/audit-repository.js';

/**
 * Puts what a request did on the audit log, as the request's actor (person or API key), from its
 * address, at the app clock's now. Awaited before the answer goes out: a look at patient data
 * that could not be recorded is not shown (the request fails instead).
 */

export type AuditAction =
  | 'conversation.viewed'
  | 'customer.viewed'
  | 'customer.updated'
  | 'customers.listed'
  | 'conversations.listed'
  | 'conversation.text_sent'
  | 'conversation.assistant_paused'
  | 'conversation.assistant_resumed'
  | 'appointments.listed'
  | 'live_calls.listed'
  | 'staff_messages.listed'
  | 'staff_message.handled'
  | 'settings.changed'
  | 'invite.created'
  | 'invite.revoked'
  | 'invite.accepted'
  | 'person.changed'
  | 'sessions.revoked'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'signed_out'
  | 'session.ended'
  | 'recording.played'
  | 'recording.downloaded'
  | 'patient.erased'
  | 'appointment.cancelled'
  | 'appointment.rescheduled';

export interface AuditEntry {
  action: AuditAction;
  recordType?: string;
  recordId?: string;
  detail?: Record<string, unknown>;
  /** Who, when the request's own actor is not it (sign-in: the person signing in, or nobody). */
  as?: { spaId: string | null; personId: string | null };
}

export async function audit(request: FastifyRequest, entry: AuditEntry): Promise<void> {
  const actor = request.actor;
  const who = entry.as
    ? { spaId: entry.as.spaId, actorType: entry.as.personId ? ('person' as const) : ('anonymous' as const), actorId: entry.as.personId }
    : actor
      ? { spaId: actor.spaId, actorType: actor.kind, actorId: actor.kind === 'person' ? actor.personId : actor.keyId }
      : { spaId: null, actorType: 'anonymous' as const, actorId: null };
  await recordAuditEvent(request.server.db, {
    ...who,
    at: request.server.clock(),
    action: entry.action,
    recordType: entry.recordType,
    recordId: entry.recordId,
    address: request.clientAddress,
    detail: entry.detail,
  });
}
