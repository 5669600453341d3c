import type { Db } from './database.js';

/** The append-only audit log (the table's trigger refuses changes; this file only inserts and reads). */

export interface AuditEvent {
  spaId: string | null;
  at: Date;
  actorType: 'person' | 'key' | 'anonymous' | 'cli';
  actorId: string | null;
  action: string;
  recordType?: string | undefined;
  recordId?: string | undefined;
  address?: string | undefined;
  detail?: Record<string, unknown> | undefined;
}

export async function recordAuditEvent(db: Db, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      spa_id: event.spaId,
      at: event.at,
      actor_type: event.actorType,
      actor_id: event.actorId,
      action: event.action,
      record_type: event.recordType ?? null,
      record_id: event.recordId ?? null,
      address: event.address ?? null,
      detail: JSON.stringify(event.detail ?? {}),
    })
    .execute();
}

export interface AuditFilters {
  personId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  recordId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** The id of the last event of the previous page (pages go newest first). */
  before?: string | undefined;
  limit: number;
}

export interface AuditListing {
  id: string;
  at: string;
  actor: { type: string; id: string | null };
  action: string;
  record: { type: string | null; id: string | null };
  address: string | null;
  detail: Record<string, unknown>;
}

export async function listAuditEvents(db: Db, spaId: string, filters: AuditFilters): Promise<AuditListing[]> {
  let query = db.selectFrom('audit_events').selectAll().where('spa_id', '=', spaId);
  if (filters.personId) query = query.where('actor_type', '=', 'person').where('actor_id', '=', filters.personId);
  if (filters.actorId) query = query.where('actor_id', '=', filters.actorId);
  if (filters.action) query = query.where('action', '=', filters.action);
  if (filters.recordId) query = query.where('record_id', '=', filters.recordId);
  if (filters.from) query = query.where('at', '>=', filters.from);
  if (filters.to) query = query.where('at', '<', filters.to);
  if (filters.before) query = query.where('id', '<', filters.before);
  const rows = await query.orderBy('id', 'desc').limit(filters.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    record: { type: row.record_type, id: row.record_id },
    address: row.address,
    detail: row.detail,
  }));
}
