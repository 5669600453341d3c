import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import t from 'tap';
import { applyRetention } from '../../src/jobs/retention-task.js';
import { insertEvents, insertMessages } from '../../src/storage/conversation-timeline.js';
import { LocalObjectStore } from '../../src/storage/local-object-store.js';
import { openRecording } from '../../src/storage/recording-repository.js';
import { newRecordingKey, sealChunk, segmentKey } from '../../src/storage/recording-cipher.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { createTestDatabase } from '../support/database.js';

const NOW = new Date('2026-12-02T12:00:00Z');
const DAY = 86_400_000;

async function setUp(t: Parameters<typeof createTestDatabase>[0]) {
  const database = await createTestDatabase(t);
  const db = database.db;
  const { spaId } = await seedSpa(db, await loadDemoSpaCatalog());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'retention-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const recordings = { store: new LocalObjectStore(dir), wrappingKey: randomBytes(32) };
  const customer = await db.insertInto('customers').values({ spa_id: spaId, phone: '+12025550199', name: 'Pat Example' }).returning('id').executeTakeFirstOrThrow();

  /** A finished call `daysAgo` old with a transcript, an event and a one-segment recording. */
  async function call(daysAgo: number, channel: 'voice' | 'sms' = 'voice') {
    const startedAt = new Date(NOW.getTime() - daysAgo * DAY);
    const conversation = await db
      .insertInto('conversations')
      .values({ spa_id: spaId, customer_id: customer.id, channel, status: 'completed', started_at: startedAt, last_activity_at: startedAt, summary: 'Booked a facial.' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await insertMessages(db, [{ conversationId: conversation.id, seq: 1, role: 'customer', text: 'Hi, I am Pat', interrupted: false, spokenAt: startedAt }]);
    await insertEvents(db, [{ conversationId: conversation.id, seq: 2, type: 'tool_call', name: 'find_customer', data: { name: 'Pat' }, at: startedAt }]);
    if (channel === 'sms') return conversation.id;
    const id = randomUUID();
    const prefix = `recordings/${spaId}/${conversation.id}/${id}`;
    const key = newRecordingKey(id, recordings.wrappingKey);
    await recordings.store.put(segmentKey(prefix, 0), Buffer.concat([key.header, sealChunk(key, 0, 0, randomBytes(3_200))]));
    await db.transaction().execute((trx) =>
      openRecording(trx, { id, conversationId: conversation.id, spaId, streamSid: 'MZ1', objectPrefix: prefix, format: 'g711', channels: 2, keyFingerprint: 'x', startedAt }),
    );
    return conversation.id;
  }
  const retention = (settings: object) =>
    sql`update spas set settings = settings || ${JSON.stringify(settings)}::jsonb where id = ${spaId}`.execute(db);
  const run = () => applyRetention({ db, recordings, now: () => NOW, log: pino({ level: 'silent' }) });
  return { db, spaId, recordings, customer: customer.id, call, retention, run };
}

t.test('recordings older than the spa keeps them are deleted, object and row, and the deletion is noted', async (t) => {
  const s = await setUp(t);
  await s.retention({ recording: { enabled: true, retentionDays: 30 } });
  const old = await s.call(31);
  const recent = await s.call(29);
  t.same(await s.run(), { recordings: 1, transcripts: 0 });
  t.same(await s.recordings.store.list(`recordings/${s.spaId}/${old}`), [], 'the audio is gone');
  t.equal((await s.recordings.store.list(`recordings/${s.spaId}/${recent}`)).length, 1, 'a recent one stays');
  const rows = await s.db.selectFrom('recordings').select('conversation_id').execute();
  t.same(rows.map((r) => r.conversation_id), [recent]);
  const notes = await s.db.selectFrom('data_deletions').selectAll().execute();
  t.match(notes, [{ reason: 'retention', kind: 'recording', conversation_id: old }]);
  t.equal((await s.db.selectFrom('messages').select('id').where('conversation_id', '=', old).execute()).length, 1, 'transcripts are kept by default');
  t.same(await s.run(), { recordings: 0, transcripts: 0 }, 'a second run finds nothing more');
});

t.test('with a transcript retention set, older transcripts and texts go too, and the conversations stay', async (t) => {
  const s = await setUp(t);
  await s.retention({ recording: { enabled: true, retentionDays: 365 }, transcriptRetentionDays: 60 });
  const oldCall = await s.call(61);
  const oldThread = await s.call(90, 'sms');
  const recent = await s.call(10);
  t.same(await s.run(), { recordings: 0, transcripts: 2 });
  for (const id of [oldCall, oldThread]) {
    t.equal((await s.db.selectFrom('messages').select('id').where('conversation_id', '=', id).execute()).length, 0);
    t.equal((await s.db.selectFrom('conversation_events').select('id').where('conversation_id', '=', id).execute()).length, 0);
    const conversation = await s.db.selectFrom('conversations').select(['summary', 'transcript_deleted_at']).where('id', '=', id).executeTakeFirstOrThrow();
    t.equal(conversation.summary, null);
    t.ok(conversation.transcript_deleted_at);
  }
  t.equal((await s.db.selectFrom('messages').select('id').where('conversation_id', '=', recent).execute()).length, 1);
  const kinds = (await s.db.selectFrom('data_deletions').select('kind').orderBy('kind').execute()).map((r) => r.kind);
  t.same(kinds, ['text_thread', 'transcript']);
});
