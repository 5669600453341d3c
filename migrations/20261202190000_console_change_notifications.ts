import { sql, type Kysely } from 'kysely';

/**
 * The staff console's live views (GET /api/v1/events) learn of changes from Postgres itself: each
 * change a console shows raises a NOTIFY on `spa_changes` with the spa, the topic and the
 * conversation, so every machine hears about calls and texts that other machines carry, without
 * polling. Postgres folds identical notifications within a transaction into one, so a batch of a
 * call's turns is one notification. Live-call heartbeats (updates) raise none.
 */

const TABLES = [
  { table: 'live_calls', topic: 'live_calls', events: 'insert or delete', spa: 'r.spa_id', conversation: 'r.conversation_id' },
  { table: 'staff_messages', topic: 'staff_messages', events: 'insert or update', spa: 'r.spa_id', conversation: 'r.conversation_id' },
  {
    table: 'conversations',
    topic: 'conversations',
    events: 'insert or update of status, outcome, summary, ended_at, ai_paused, follow_up_needed',
    spa: 'r.spa_id',
    conversation: 'r.id',
  },
  { table: 'appointments', topic: 'appointments', events: 'insert or update or delete', spa: 'r.spa_id', conversation: 'null::uuid' },
  {
    table: 'messages',
    topic: 'conversation_timeline',
    events: 'insert',
    spa: '(select spa_id from conversations where id = r.conversation_id)',
    conversation: 'r.conversation_id',
  },
  {
    table: 'conversation_events',
    topic: 'conversation_timeline',
    events: 'insert',
    spa: '(select spa_id from conversations where id = r.conversation_id)',
    conversation: 'r.conversation_id',
  },
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time, not typed against today's schema
export async function up(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await sql
      .raw(
        `create function notify_${t.table}_change() returns trigger language plpgsql as $$
         declare r record;
         begin
           if tg_op = 'DELETE' then r := old; else r := new; end if;
           perform pg_notify('spa_changes', json_build_object('spa', ${t.spa}, 'topic', '${t.topic}', 'conversation', ${t.conversation})::text);
           return null;
         end $$`,
      )
      .execute(db);
    await sql
      .raw(`create trigger ${t.table}_change_notify after ${t.events} on ${t.table} for each row execute function notify_${t.table}_change()`)
      .execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of TABLES) {
    await sql.raw(`drop trigger if exists ${t.table}_change_notify on ${t.table}`).execute(db);
    await sql.raw(`drop function if exists notify_${t.table}_change()`).execute(db);
  }
}
