import type { FastifyRequest } from 'fastify';
import { audit } from './staff/audit.js';

/**
 * Who listened to, downloaded or erased what, on the append-only audit log (`audit_events`,
 * through `audit()` of the staff accounts): the request's actor (person or API key), address and
 * time. Awaited before the answer goes out, so audio that could not be recorded as played is not
 * served.
 */
export type RecordingAuditAction = 'recording.played' | 'recording.downloaded' | 'patient.erased';

export interface RecordingAuditEntry {
  action: RecordingAuditAction;
  spaId: string;
  subject: { conversationId?: string; recordingId?: string; customerId?: string };
  detail?: Record<string, unknown>;
}

export async function recordAuditEvent(request: FastifyRequest, entry: RecordingAuditEntry): Promise<void> {
  const { subject } = entry;
  const record = subject.recordingId
    ? { recordType: 'recording', recordId: subject.recordingId }
    : subject.customerId
      ? { recordType: 'customer', recordId: subject.customerId }
      : { recordType: 'conversation', recordId: subject.conversationId };
  await audit(request, { action: entry.action, ...record, detail: { ...entry.detail, ...subject } });
}
