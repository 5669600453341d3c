import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { insertMessages } from '../../src/storage/conversation-timeline.js';
import { LocalObjectStore } from '../../src/storage/local-object-store.js';
import { openRecording } from '../../src/storage/recording-repository.js';
import { buildTestApp } from '../support/app.js';

t.test('an owner erases one patient: recordings, transcripts, texts and details go; appointments keep an anonymous reference', async (t) => {
  const test = await buildTestApp(t);
  const db = test.database.db;
  const spaId = test.demoSpaId;
  const owner = await createApiKey(db, spaId, 'owner', 'owner');
  const staff = await createApiKey(db, spaId, 'staff', 'desk');
  const customer = await db.insertInto('customers').values({ spa_id: spaId, phone: '+12025550177', name: 'Erin Example', email: 'erin@example.com' }).returning('id').executeTakeFirstOrThrow();
  const other = await db.insertInto('customers').values({ spa_id: spaId, phone: '+12025550178', name: 'Olive Other' }).returning('id').executeTakeFirstOrThrow();
  const at = new Date('2026-11-30T15:00:00Z');
  const conversation = await db
    .insertInto('conversations')
    .values({ spa_id: spaId, customer_id: customer.id, channel: 'voice', status: 'completed', started_at: at, last_activity_at: at, summary: 'Erin booked.' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await insertMessages(db, [{ conversationId: conversation.id, seq: 1, role: 'customer', text: 'This is Erin', interrupted: false, spokenAt: at }]);
  const service = await db.selectFrom('services').select('id').where('spa_id', '=', spaId).executeTakeFirstOrThrow();
  const provider = await db.selectFrom('providers').select('id').where('spa_id', '=', spaId).executeTakeFirstOrThrow();
  const appointment = await db
    .insertInto('appointments')
    .values({ spa_id: spaId, customer_id: customer.id, provider_id: provider.id, service_id: service.id, starts_at: '2026-12-10T15:00:00Z', ends_at: '2026-12-10T16:00:00Z', notes: 'Erin prefers mornings' })
    .returning('id')
    .executeTakeFirstOrThrow();
  // A recording in the app's own store (the test's DATA_DIR).
  const recordingId = randomUUID();
  const prefix = `recordings/${spaId}/${conversation.id}/${recordingId}`;
  const store = new LocalObjectStore(test.config.recordings.dir);
  await store.put(`${prefix}/seg-000000.mrec`, randomBytes(100));
  await db.transaction().execute((trx) =>
    openRecording(trx, { id: recordingId, conversationId: conversation.id, spaId, streamSid: 'MZ1', objectPrefix: prefix, format: 'g711', channels: 2, keyFingerprint: 'x', startedAt: at }),
  );

  const post = (key: string, id: string) => test.app.fastify.inject({ method: 'POST', url: `/api/v1/customers/${id}/erase`, headers: { authorization: `Bearer ${key}` } });
  t.equal((await post(staff.key, customer.id)).statusCode, 403, 'staff cannot erase');
  const answer = await post(owner.key, customer.id);
  t.equal(answer.statusCode, 200);
  t.match(answer.json(), { erased: true, conversations: 1, recordings: 1, appointmentsKept: 1 });

  const erased = await db.selectFrom('customers').selectAll().where('id', '=', customer.id).executeTakeFirstOrThrow();
  t.match(erased, { name: null, email: null, notes: null });
  t.match(erased.phone, /^\+999\d{11}$/, 'the number is replaced by one that reaches nobody');
  t.ok(erased.erased_at);
  t.equal((await db.selectFrom('messages').select('id').where('conversation_id', '=', conversation.id).execute()).length, 0);
  t.equal((await db.selectFrom('recordings').select('id').execute()).length, 0);
  t.same(await store.list(prefix), []);
  const kept = await db.selectFrom('appointments').select(['customer_id', 'notes']).where('id', '=', appointment.id).executeTakeFirstOrThrow();
  t.same(kept, { customer_id: customer.id, notes: null });
  const untouched = await db.selectFrom('customers').select('name').where('id', '=', other.id).executeTakeFirstOrThrow();
  t.equal(untouched.name, 'Olive Other', 'other patients are untouched');
  t.match(await db.selectFrom('data_deletions').select(['reason', 'kind']).execute(), [{ reason: 'erasure', kind: 'recording' }, { reason: 'erasure', kind: 'patient' }]);
  t.equal((await post(owner.key, randomUUID())).statusCode, 404);
  const audited = await db.selectFrom('audit_events').select(['action', 'record_id']).where('action', '=', 'patient.erased').execute();
  t.same(audited, [{ action: 'patient.erased', record_id: customer.id }], 'the erasure is on the audit log');

  const detail = await test.app.fastify.inject({ method: 'GET', url: `/api/v1/conversations/${conversation.id}`, headers: { authorization: `Bearer ${staff.key}` } });
  t.match(detail.json().recording, { exists: false, reason: 'erased' });
});
