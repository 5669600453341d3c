import { sql, type Kysely } from 'kysely';

/**
 * The whole data model (ARCHITECTURE section 6). Frozen once landed: later changes get new files.
 * Constraints live in Postgres so that they hold across machines, not only in our code.
 */

// E.164: '+', a non-zero country digit, at most 15 digits in all.
const e164 = (column: string) => sql.raw(`check (${column} ~ '^\\+[1-9][0-9]{6,14}$')`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists btree_gist`.execute(db);

  await db.schema
    .createTable('spas')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('website', 'text')
    .addColumn('transfer_number', 'text', (c) => c.modifyEnd(e164('transfer_number')))
    .addColumn('persona', 'jsonb', (c) => c.notNull())
    .addColumn('hours', 'jsonb', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('calendar', 'jsonb', (c) => c.notNull().defaultTo(sql`'{"type":"local"}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // A spa may answer on several numbers; a number belongs to exactly one spa.
  await db.schema
    .createTable('spa_phone_numbers')
    .addColumn('phone', 'text', (c) => c.primaryKey().modifyEnd(e164('phone')))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('label', 'text')
    .execute();
  await db.schema.createIndex('spa_phone_numbers_spa_idx').on('spa_phone_numbers').column('spa_id').execute();

  await db.schema
    .createTable('services')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull().check(sql`duration_minutes > 0`))
    .addColumn('price_cents', 'integer', (c) => c.check(sql`price_cents >= 0`))
    .addColumn('price_note', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('services_spa_slug_key', ['spa_id', 'slug'])
    .execute();

  await db.schema
    .createTable('providers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('bio', 'text')
    // Null: the provider works the spa's hours.
    .addColumn('hours', 'jsonb')
    .addColumn('calendar_id', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('providers_spa_slug_key', ['spa_id', 'slug'])
    .execute();

  await db.schema
    .createTable('provider_services')
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('providers.id').onDelete('cascade'))
    .addColumn('service_id', 'uuid', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('provider_services_pkey', ['provider_id', 'service_id'])
    .execute();
  await db.schema.createIndex('provider_services_service_idx').on('provider_services').column('service_id').execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('phone', 'text', (c) => c.notNull().modifyEnd(e164('phone')))
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('notes', 'text')
    .addColumn('sms_opted_out_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('customers_spa_phone_key', ['spa_id', 'phone'])
    .execute();
  await sql`create index customers_spa_name_idx on customers (spa_id, lower(name))`.execute(db);

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    // Null for callers who withhold their number.
    .addColumn('customer_id', 'uuid', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('voice', 'sms')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'completed', 'transferred', 'failed', 'abandoned')`),
    )
    .addColumn('outcome', 'text')
    .addColumn('summary', 'text')
    .addColumn('satisfaction', 'smallint', (c) => c.check(sql`satisfaction between 1 and 5`))
    .addColumn('cost_usd', 'numeric(12, 6)')
    .addColumn('ai_paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_activity_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await sql`create index conversations_spa_started_idx on conversations (spa_id, started_at desc, id desc)`.execute(db);
  await sql`create index conversations_spa_customer_idx on conversations (spa_id, customer_id, started_at desc)`.execute(
    db,
  );
  await sql`create index conversations_spa_channel_status_idx on conversations (spa_id, channel, status, started_at desc)`.execute(
    db,
  );
  await sql`create index conversations_active_idx on conversations (spa_id, channel) where status = 'active'`.execute(db);

  await db.schema
    .createTable('messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('customer', 'assistant', 'staff', 'system')`))
    .addColumn('text', 'text', (c) => c.notNull())
    // For voice: the caller's turn as transcribed, or the part of the reply the caller heard.
    .addColumn('interrupted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('spoken_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('search', sql`tsvector`, (c) => c.generatedAlwaysAs(sql`to_tsvector('english', text)`).stored())
    .addUniqueConstraint('messages_conversation_seq_key', ['conversation_id', 'seq'])
    .execute();
  await sql`create index messages_search_idx on messages using gin (search)`.execute(db);

  await db.schema
    .createTable('voice_call_details')
    .addColumn('conversation_id', 'uuid', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('call_sid', 'text', (c) => c.notNull().unique())
    .addColumn('stream_sid', 'text')
    .addColumn('from_number', 'text')
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('twilio_status', 'text', (c) => c.notNull())
    .addColumn('stream_started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('duration_seconds', 'integer')
    .addColumn('ended_by', 'text')
    .addColumn('transferred_to', 'text')
    .addColumn('greeting_latency_ms', 'integer')
    .addColumn('reply_latency_p50_ms', 'integer')
    .addColumn('reply_latency_max_ms', 'integer')
    .addColumn('reply_latencies_ms', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('model', 'text')
    .addColumn('usage', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('cost_usd', 'numeric(12, 6)')
    .execute();

  await db.schema
    .createTable('sms_details')
    .addColumn('message_id', 'bigint', (c) => c.primaryKey().references('messages.id').onDelete('cascade'))
    .addColumn('message_sid', 'text', (c) => c.notNull().unique())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('inbound', 'outbound')`))
    .addColumn('delivery_status', 'text')
    .addColumn('error_code', 'text')
    .addColumn('num_segments', 'integer')
    .addColumn('media', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();

  await db.schema
    .createTable('conversation_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('conversation_events_conversation_seq_key', ['conversation_id', 'seq'])
    .execute();

  await db.schema
    .createTable('appointments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
    .addColumn('provider_id', 'uuid', (c) => c.notNull().references('providers.id'))
    .addColumn('service_id', 'uuid', (c) => c.notNull().references('services.id'))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('confirmed')
        .check(sql`status in ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')`),
    )
    .addColumn('calendar_event_id', 'text')
    .addColumn('source_conversation_id', 'uuid', (c) => c.references('conversations.id').onDelete('set null'))
    .addColumn('notes', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('cancelled_at', 'timestamptz')
    .addCheckConstraint('appointments_time_order', sql`ends_at > starts_at`)
    .execute();
  // The rule that makes double booking impossible, whichever machine takes the call.
  await sql`alter table appointments add constraint appointments_no_provider_overlap
    exclude using gist (provider_id with =, tstzrange(starts_at, ends_at, '[)') with &&)
    where (status = 'confirmed')`.execute(db);
  await sql`create index appointments_spa_starts_idx on appointments (spa_id, starts_at)`.execute(db);
  await sql`create index appointments_customer_idx on appointments (customer_id, starts_at)`.execute(db);

  await db.schema
    .createTable('staff_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('conversation_id', 'uuid', (c) => c.references('conversations.id').onDelete('set null'))
    .addColumn('customer_id', 'uuid', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('caller_name', 'text', (c) => c.notNull())
    .addColumn('callback_number', 'text', (c) => c.notNull().modifyEnd(e164('callback_number')))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('handled_at', 'timestamptz')
    .addColumn('handled_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index staff_messages_open_idx on staff_messages (spa_id, created_at desc) where handled_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('spa_id', 'uuid', (c) => c.notNull().references('spas.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'staff')`))
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'api_keys',
    'staff_messages',
    'appointments',
    'conversation_events',
    'sms_details',
    'voice_call_details',
    'messages',
    'conversations',
    'customers',
    'provider_services',
    'providers',
    'services',
    'spa_phone_numbers',
    'spas',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
