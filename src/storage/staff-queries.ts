import { sql } from 'kysely';
import type { Db } from './database.js';
import { LIVE_CALL_STALE_SECONDS } from './live-call-repository.js';
import type { AppointmentStatus } from './schema.js';

/** Read models for the staff API: customers, appointments, messages for staff, live calls. */

/** Appointments with their service and provider names, for lists and timelines. */
export function appointmentsWithNames(db: Db) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('services as s', 's.id', 'a.service_id')
    .innerJoin('providers as p', 'p.id', 'a.provider_id')
    .select(['a.id', 'a.status', 'a.starts_at as startsAt', 'a.ends_at as endsAt', 's.name as service', 'p.name as provider']);
}

export async function listCustomers(
  db: Db,
  spaId: string,
  options: { search?: string | undefined; after?: string | undefined; limit: number },
) {
  let query = db
    .selectFrom('customers')
    .select(['id', 'name', 'phone', 'email', 'notes', 'sms_opted_out_at as smsOptedOutAt', 'preferred_language as preferredLanguage', 'created_at as createdAt', 'erased_at as erasedAt'])
    .where('spa_id', '=', spaId);
  if (options.search) {
    const pattern = `%${options.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb(sql<string>`lower(coalesce(name, ''))`, 'like', pattern), eb('phone', 'like', pattern)]));
  }
  if (options.after) query = query.where('id', '>', options.after);
  return query.orderBy('id').limit(options.limit).execute();
}

export async function customerTimeline(db: Db, spaId: string, customerId: string, now: Date) {
  const customer = await db
    .selectFrom('customers')
    .select(['id', 'name', 'phone', 'email', 'notes', 'sms_opted_out_at as smsOptedOutAt', 'preferred_language as preferredLanguage', 'created_at as createdAt', 'erased_at as erasedAt'])
    .where('spa_id', '=', spaId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!customer) return undefined;
  const [conversations, appointments] = await Promise.all([
    db
      .selectFrom('conversations')
      .select(['id', 'channel', 'status', 'outcome', 'summary', 'satisfaction', 'follow_up_needed as followUpNeeded', 'started_at as startedAt', 'ended_at as endedAt'])
      .where('spa_id', '=', spaId)
      .where('customer_id', '=', customerId)
      .orderBy('started_at', 'desc')
      .limit(200)
      .execute(),
    appointmentsWithNames(db)
      .where('a.spa_id', '=', spaId)
      .where('a.customer_id', '=', customerId)
      .orderBy('a.starts_at', 'desc')
      .execute(),
  ]);
  return {
    customer,
    conversations,
    upcomingAppointments: appointments.filter((a) => a.status === 'confirmed' && a.endsAt > now).reverse(),
    pastAppointments: appointments.filter((a) => !(a.status === 'confirmed' && a.endsAt > now)),
  };
}

/** Corrects a patient's details; a patient erased on request keeps none, so theirs are not taken. */
export async function updateCustomer(
  db: Db,
  spaId: string,
  customerId: string,
  changes: {
    name?: string | null | undefined;
    email?: string | null | undefined;
    notes?: string | null | undefined;
    preferredLanguage?: string | null | undefined;
  },
): Promise<'updated' | 'missing' | 'erased'> {
  const { preferredLanguage, ...rest } = changes;
  const columns = { ...rest, ...(preferredLanguage !== undefined ? { preferred_language: preferredLanguage } : {}) };
  const set = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
  const found = await db.selectFrom('customers').select('erased_at').where('spa_id', '=', spaId).where('id', '=', customerId).executeTakeFirst();
  if (!found) return 'missing';
  if (found.erased_at) return 'erased';
  if (Object.keys(set).length === 0) return 'updated';
  const result = await db
    .updateTable('customers')
    .set({ ...set, updated_at: new Date() })
    .where('spa_id', '=', spaId)
    .where('id', '=', customerId)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? 'updated' : 'erased';
}

export async function listAppointments(
  db: Db,
  spaId: string,
  filter: { from: Date; to: Date; providerId?: string | undefined; status?: AppointmentStatus | undefined },
) {
  let query = staffAppointments(db, spaId)
    .where('a.starts_at', '>=', filter.from)
    .where('a.starts_at', '<', filter.to);
  if (filter.providerId) query = query.where('a.provider_id', '=', filter.providerId);
  if (filter.status) query = query.where('a.status', '=', filter.status);
  return query.orderBy('a.starts_at').limit(1000).execute();
}

/** One appointment as the list shows it. */
export async function findStaffAppointment(db: Db, spaId: string, appointmentId: string) {
  return staffAppointments(db, spaId).where('a.id', '=', appointmentId).executeTakeFirst();
}

function staffAppointments(db: Db, spaId: string) {
  return appointmentsWithNames(db)
    .innerJoin('customers as c', 'c.id', 'a.customer_id')
    .select([
      'p.id as providerId',
      'c.id as customerId',
      'c.name as customerName',
      'c.phone as customerPhone',
      'a.source_conversation_id as conversationId',
    ])
    .where('a.spa_id', '=', spaId);
}

export async function listStaffMessages(db: Db, spaId: string, handled: boolean | undefined) {
  let query = db
    .selectFrom('staff_messages')
    .select([
      'id',
      'caller_name as callerName',
      'callback_number as callbackNumber',
      'reason',
      'recording_url as recordingUrl',
      'recording_seconds as recordingSeconds',
      'conversation_id as conversationId',
      'customer_id as customerId',
      'handled_at as handledAt',
      'handled_by as handledBy',
      'created_at as createdAt',
    ])
    .where('spa_id', '=', spaId);
  if (handled === true) query = query.where('handled_at', 'is not', null);
  if (handled === false) query = query.where('handled_at', 'is', null);
  return query.orderBy('created_at', 'desc').limit(500).execute();
}

export async function markStaffMessageHandled(db: Db, spaId: string, id: string, by: string): Promise<boolean> {
  const result = await db
    .updateTable('staff_messages')
    .set({ handled_at: sql`coalesce(handled_at, now())`, handled_by: sql`coalesce(handled_by, ${by})` })
    .where('spa_id', '=', spaId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listLiveCalls(db: Db, spaId: string) {
  return db
    .selectFrom('live_calls as l')
    .innerJoin('conversations as c', 'c.id', 'l.conversation_id')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .leftJoin('voice_call_details as v', 'v.conversation_id', 'l.conversation_id')
    .select([
      'l.call_sid as callSid',
      'l.conversation_id as conversationId',
      'l.machine_id as machineId',
      'l.started_at as startedAt',
      'cu.name as customerName',
      'cu.phone as customerPhone',
      'v.from_number as fromNumber',
      // The call's latest recorded step (a tool running, a transfer…), recorded ~250 ms behind the call.
      sql<string | null>`(select e.type from conversation_events e where e.conversation_id = l.conversation_id order by e.seq desc limit 1)`.as('lastEventType'),
      sql<string | null>`(select e.name from conversation_events e where e.conversation_id = l.conversation_id order by e.seq desc limit 1)`.as('lastEventName'),
    ])
    .where('l.spa_id', '=', spaId)
    .where('l.heartbeat_at', '>', sql<Date>`now() - make_interval(secs => ${LIVE_CALL_STALE_SECONDS})`)
    .orderBy('l.started_at')
    .execute();
}
