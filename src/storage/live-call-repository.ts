import { sql } from 'kysely';
import { inTransaction, type Db } from './database.js';

/** A live call is listed while its machine's heartbeat is fresher than this. */
export const LIVE_CALL_STALE_SECONDS = 45;

export async function registerLiveCall(
  db: Db,
  call: { callSid: string; conversationId: string; spaId: string; machineId: string },
): Promise<void> {
  await db
    .insertInto('live_calls')
    .values({ call_sid: call.callSid, conversation_id: call.conversationId, spa_id: call.spaId, machine_id: call.machineId })
    .onConflict((oc) => oc.column('call_sid').doUpdateSet({ machine_id: call.machineId, heartbeat_at: sql`now()` }))
    .execute();
}

export async function removeLiveCall(db: Db, callSid: string): Promise<void> {
  await db.deleteFrom('live_calls').where('call_sid', '=', callSid).execute();
}

/**
 * Keeps this machine's calls listed: refreshes the ones it is carrying and removes any other row
 * it left behind (a call whose removal was lost, or one registered after it had ended).
 */
export async function heartbeatLiveCalls(db: Db, machineId: string, liveCallSids: string[]): Promise<void> {
  await inTransaction(db, async (trx) => {
    let stale = trx.deleteFrom('live_calls').where('machine_id', '=', machineId);
    if (liveCallSids.length > 0) stale = stale.where('call_sid', 'not in', liveCallSids);
    await stale.execute();
    if (liveCallSids.length > 0)
      await trx.updateTable('live_calls').set({ heartbeat_at: sql`now()` }).where('call_sid', 'in', liveCallSids).execute();
  });
}

/**
 * Test-line calls of a spa listed on any machine (their CallSids start with `TL`, see
 * src/call/test-line.ts); a row its machine stopped refreshing (it crashed) does not count.
 */
export async function liveTestCallCount(db: Db, spaId: string): Promise<number> {
  const row = await db
    .selectFrom('live_calls')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('spa_id', '=', spaId)
    .where('call_sid', 'like', 'TL%')
    .where('heartbeat_at', '>', sql<Date>`now() - interval '1 minute'`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
