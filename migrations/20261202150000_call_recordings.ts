import { sql, type Kysely } from 'kysely';

/**
 * Call recordings (objects in the recording store, one row per recorded stream of a call), what
 * retention and erasure deleted, and the mark an erased patient keeps so their appointments can
 * still point at someone.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('stream_sid', 'text', (c) => c.notNull())
    .addColumn('object_prefix', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('recording', 'complete', 'failed', 'declined')`))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('channels', 'smallint', (c) => c.notNull())
    .addColumn('key_fingerprint', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('duration_ms', 'integer')
    .addColumn('audio_bytes', 'bigint')
    .addColumn('failure', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('recordings_conversation_stream_key', ['conversation_id', 'stream_sid'])
    .execute();
  await db.schema.createIndex('recordings_spa_started_idx').on('recordings').columns(['spa_id', 'started_at']).execute();

  await db.schema
    .createTable('data_deletions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('retention', 'erasure')`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('recording', 'transcript', 'text_thread', 'patient')`))
    .addColumn('conversation_id', 'uuid')
    .addColumn('customer_id', 'uuid')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('deleted_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('data_deletions_conversation_idx').on('data_deletions').column('conversation_id').execute();
  await db.schema.createIndex('data_deletions_spa_deleted_idx').on('data_deletions').columns(['spa_id', 'deleted_at']).execute();

  await db.schema.alterTable('customers').addColumn('erased_at', 'timestamptz').execute();
  await db.schema.alterTable('conversations').addColumn('transcript_deleted_at', 'timestamptz').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('conversations').dropColumn('transcript_deleted_at').execute();
  await db.schema.alterTable('customers').dropColumn('erased_at').execute();
  await db.schema.dropTable('data_deletions').execute();
  await db.schema.dropTable('recordings').execute();
}
