import { sql } from 'kysely';
import { lockFor, lockKeys } from './advisory-lock.js';
import { inTransaction, type Db, type Trx } from './database.js';
import type { MessageRole } from './schema.js';

/**
 * A conversation's timeline: its messages and events, ordered by one `seq` they share. Writers
 * outside a live call take the next place under the timeline lock; a call's media streams fix
 * where they start once and count from there.
 */

export interface MessageRow {
  conversationId: string;
  seq: number;
  role: MessageRole;
  text: string;
  interrupted: boolean;
  spokenAt: Date;
}

export async function insertMessages(db: Db, rows: MessageRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('messages')
    .values(
      rows.map((r) => ({
        conversation_id: r.conversationId,
        seq: r.seq,
        role: r.role,
        text: r.text,
        interrupted: r.interrupted,
        spoken_at: r.spokenAt,
      })),
    )
    // A flush retried after a timeout must not duplicate turns.
    .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doNothing())
    .execute();
}

export interface EventRow {
  conversationId: string;
  seq: number;
  type: string;
  name: string | null;
  data: unknown;
  at: Date;
}

export async function insertEvents(db: Db, rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('conversation_events')
    .values(
      rows.map((r) => ({
        conversation_id: r.conversationId,
        seq: r.seq,
        type: r.type,
        name: r.name,
        data: JSON.stringify(r.data ?? {}),
        created_at: r.at,
      })),
    )
    .onConflict((oc) => oc.columns(['conversation_id', 'seq']).doNothing())
    .execute();
}

/**
 * The next place in a conversation's timeline (messages and events share one sequence). Takes a
 * transaction-scoped lock, so writers in other processes (a reply job, an inbound text) queue up
 * instead of colliding on the same number.
 */
export async function nextConversationSeq(trx: Trx, conversationId: string): Promise<number> {
  await lockFor(trx, lockKeys.conversationTimeline(conversationId));
  return (await maxConversationSeq(trx, conversationId)) + 1;
}

/** Adds one event at the end of a conversation's timeline (outside a live call's own recorder). */
export async function appendConversationEvent(db: Db, conversationId: string, type: string, data: unknown): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('conversation_events')
      .values({ conversation_id: conversationId, seq: await nextConversationSeq(trx, conversationId), type, data: JSON.stringify(data) })
      .execute();
  });
}

/** Adds one named event, stamped `at`, at the end of a conversation's timeline (e.g. a text reply's tool call). */
export async function appendNamedConversationEvent(
  db: Db,
  conversationId: string,
  event: { type: string; name: string; data: unknown; at: Date },
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await insertEvents(trx, [{ conversationId, seq: await nextConversationSeq(trx, conversationId), ...event }]);
  });
}

/** The highest place used so far in a conversation's timeline, 0 if none. */
export async function maxConversationSeq(db: Db, conversationId: string): Promise<number> {
  const row = await sql<{ max: number | null }>`
    select greatest(
      (select max(seq) from messages where conversation_id = ${conversationId}),
      (select max(seq) from conversation_events where conversation_id = ${conversationId})) as max`.execute(db);
  return row.rows[0]?.max ?? 0;
}

export interface StreamTimeline {
  conversationId: string;
  /** The media stream these turns and events happened on; their `seq`s count from 1 within it. */
  streamSid: string;
  messages: Omit<MessageRow, 'conversationId'>[];
  events: Omit<EventRow, 'conversationId'>[];
}

/** Rows per INSERT statement, well under Postgres's 65,535 parameters. */
const ROWS_PER_INSERT = 1_000;

/**
 * Writes streams' turns and events at their places in their conversations, in the order given,
 * with one INSERT per table for the lot. A stream's first write fixes where it starts (after
 * everything already in the conversation, e.g. an earlier stream of the same call); every later
 * write, and any replay of one, uses that same start. A stream that began after its conversation
 * ended gets no place at all (see `endedBefore`).
 */
export async function appendStreamTimelines(trx: Trx, timelines: StreamTimeline[]): Promise<void> {
  const key = (t: { conversationId: string; streamSid: string }) => `${t.conversationId} ${t.streamSid}`;
  const bases = await knownStreamBases(trx, timelines);
  let messages: MessageRow[] = [];
  let events: EventRow[] = [];
  const flush = async () => {
    for (let i = 0; i < messages.length; i += ROWS_PER_INSERT) await insertMessages(trx, messages.slice(i, i + ROWS_PER_INSERT));
    for (let i = 0; i < events.length; i += ROWS_PER_INSERT) await insertEvents(trx, events.slice(i, i + ROWS_PER_INSERT));
    messages = [];
    events = [];
  };
  for (const timeline of timelines) {
    let base = bases.get(key(timeline));
    if (base === undefined) {
      // A new stream starts after everything before it, including rows still gathered here.
      await flush();
      if (await endedBefore(trx, timeline)) continue;
      base = await fixStreamBase(trx, timeline.conversationId, timeline.streamSid);
      bases.set(key(timeline), base);
    }
    const { conversationId } = timeline;
    for (const m of timeline.messages) messages.push({ ...m, conversationId, seq: m.seq + base });
    for (const e of timeline.events) events.push({ ...e, conversationId, seq: e.seq + base });
  }
  await flush();
}

/**
 * A stream that began after its conversation had ended is not this conversation's to write to
 * (a replayed webhook's stream): its turns and events are dropped. Its earliest row is when it
 * was already running (the first write holds its `call_started`); a legitimate stream of the call
 * began before the end, and a re-open after an unanswered transfer clears the end first.
 */
async function endedBefore(trx: Trx, timeline: StreamTimeline): Promise<boolean> {
  const times = [...timeline.events.map((e) => e.at.getTime()), ...timeline.messages.map((m) => m.spokenAt.getTime())];
  if (times.length === 0) return false;
  const conversation = await trx.selectFrom('conversations').select('ended_at').where('id', '=', timeline.conversationId).executeTakeFirst();
  const endedAt = conversation?.ended_at;
  return endedAt !== null && endedAt !== undefined && Math.min(...times) > new Date(endedAt).getTime();
}

async function knownStreamBases(trx: Trx, streams: { conversationId: string; streamSid: string }[]): Promise<Map<string, number>> {
  const bases = new Map<string, number>();
  if (streams.length === 0) return bases;
  const rows = await trx
    .selectFrom('conversation_streams')
    .select(['conversation_id', 'stream_sid', 'base_seq'])
    .where('conversation_id', 'in', [...new Set(streams.map((s) => s.conversationId))])
    .execute();
  for (const row of rows) bases.set(`${row.conversation_id} ${row.stream_sid}`, row.base_seq);
  return bases;
}

async function fixStreamBase(trx: Trx, conversationId: string, streamSid: string): Promise<number> {
  // The same lock as every other writer of this timeline, so nothing slips in while we look.
  await lockFor(trx, lockKeys.conversationTimeline(conversationId));
  await trx
    .insertInto('conversation_streams')
    .values({ conversation_id: conversationId, stream_sid: streamSid, base_seq: await maxConversationSeq(trx, conversationId) })
    .onConflict((oc) => oc.columns(['conversation_id', 'stream_sid']).doNothing())
    .execute();
  const fixed = await trx
    .selectFrom('conversation_streams')
    .select('base_seq')
    .where('conversation_id', '=', conversationId)
    .where('stream_sid', '=', streamSid)
    .executeTakeFirstOrThrow();
  return fixed.base_seq;
}
