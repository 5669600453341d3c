import { sql, type Kysely } from 'kysely';

/**
 * The audit log: who (a person, an API key, or nobody yet: a failed sign-in) did what (viewed a
 * patient's conversation, changed a setting, invited someone, signed in…) to which record, when,
 * from which address. Append-only in the database itself: a trigger refuses every UPDATE, DELETE
 * and TRUNCATE, so no code path of the product (or a bug in one) can rewrite history.
 * `id` is a sequence so pages have a stable cursor; `spa_id` is null only for a failed sign-in
 * with an email nobody has.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('spa_id', 'uuid', (c) => c.references('spas.id').onDelete('restrict'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull().check(sql`actor_type in ('person', 'key', 'anonymous', 'cli')`))
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text')
    .addColumn('record_id', 'text')
    .addColumn('address', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_events_spa_idx').on('audit_events').columns(['spa_id', 'id']).execute();
  await db.schema.createIndex('audit_events_record_idx').on('audit_events').columns(['spa_id', 'record_id']).execute();
  await sql`
    create function audit_events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_events_append_only before update or delete on audit_events for each row execute function audit_events_refuse_change()`.execute(db);
  await sql`create trigger audit_events_no_truncate before truncate on audit_events for each statement execute function audit_events_refuse_change()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').ifExists().execute();
  await sql`drop function if exists audit_events_refuse_change()`.execute(db);
}
