import type { AuditEvent } from './people-types.js';

/** The audit log's actions in plain words, and a one-line summary of what an event's detail says. */

const ACTIONS: Record<string, string> = {
  'sign_in.succeeded': 'Signed in',
  'sign_in.failed': 'Failed sign-in',
  signed_out: 'Signed out',
  'session.ended': 'Ended one of their sessions',
  'sessions.revoked': 'Signed someone out everywhere',
  'person.changed': 'Changed a person',
  'invite.created': 'Invited someone',
  'invite.accepted': 'Accepted an invite',
  'invite.revoked': 'Withdrew an invite',
  'api_key.created': 'Created an API key',
  'api_key.revoked': 'Revoked an API key',
  'settings.changed': 'Changed the settings',
  'conversations.listed': 'Listed conversations',
  'conversation.viewed': 'Viewed a conversation',
  'conversation.text_sent': 'Texted a patient',
  'customers.listed': 'Listed patients',
  'customer.viewed': 'Viewed a patient',
  'customer.updated': "Changed a patient's details",
  'patient.erased': 'Erased a patient',
  'appointment.cancelled': 'Cancelled an appointment',
  'appointment.rescheduled': 'Moved an appointment',
  'recording.played': 'Played a recording',
  'recording.downloaded': 'Downloaded a recording',
};

export const KNOWN_ACTIONS = Object.keys(ACTIONS).sort((a, b) => (ACTIONS[a] ?? a).localeCompare(ACTIONS[b] ?? b));

export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action.replace(/[._]/g, ' ');
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** What changed, briefly: "role owner → staff", "disabled", "jo@spa.test as staff". */
export function detailLine(event: AuditEvent, personName: (id: string) => string | undefined): string | undefined {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  if (event.action === 'person.changed') {
    const parts: string[] = [];
    if (typeof detail.role === 'string') parts.push(`role ${show(detail.previousRole ?? '?')} → ${detail.role}`);
    if (detail.disabled === true) parts.push('disabled');
    if (detail.disabled === false) parts.push('enabled');
    if (typeof detail.name === 'string') parts.push(`name → ${detail.name}`);
    const who = event.record.id ? personName(event.record.id) : undefined;
    return [who, parts.join(', ')].filter(Boolean).join(': ') || undefined;
  }
  if (event.action === 'invite.created') return `${show(detail.email)} as ${show(detail.role)}${detail.texted === true ? ', texted' : ''}`;
  if (event.action === 'sessions.revoked') {
    const who = event.record.id ? personName(event.record.id) : undefined;
    return `${who ? `${who}: ` : ''}${show(detail.ended ?? 0)} ended`;
  }
  const entries = Object.entries(detail).filter(([, v]) => v !== null && v !== undefined);
  if (entries.length === 0) return undefined;
  const line = entries.map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()}: ${show(v)}`).join(', ');
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}
