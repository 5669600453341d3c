import type { FastifyRequest } from 'fastify';

/**
 * The one place the staff API records who listened to, downloaded or erased what. Issue 18 brings
 * the append-only `audit_events` table and its recording function; until it is merged this
 * writes a structured `audit` log line (ids only, no personal data), and merging replaces the body
 * of this function with a call to that one. Every caller goes through here.
 */
export type AuditAction = 'recording.played' | 'recording.downloaded' | 'patient.erased';

export interface AuditEntry {
  action: AuditAction;
  spaId: string;
  subject: { conversationId?: string; recordingId?: string; customerId?: string };
  detail?: Record<string, unknown>;
}

export async function recordAuditEvent(request: FastifyRequest, entry: AuditEntry): Promise<void> {
  request.log.info({ audit: { ...entry, actor: request.apiKey?.keyId ?? null, role: request.apiKey?.role ?? null } }, 'audit');
}
