import type { Trx } from './database.js';

/**
 * Which way a call went: `receptionist` (answered by the receptionist at once), `front_desk`
 * (rang the front desk, which answered), `front_desk_then_receptionist`, `front_desk_then_voicemail`,
 * or `front_desk_then_caller_hung_up`. With the front desk in it, how its <Dial> ended (Twilio's
 * DialCallStatus) and how many seconds it rang.
 */
export const CALL_ROUTES = [
  'receptionist',
  'front_desk',
  'front_desk_then_receptionist',
  'front_desk_then_voicemail',
  'front_desk_then_caller_hung_up',
] as const;
export type CallRoute = (typeof CALL_ROUTES)[number];

export interface CallRouteRecord {
  callSid: string;
  route: CallRoute;
  /** Set once the front desk's <Dial> has ended. */
  dialStatus: string | null;
  ringSeconds: number | null;
}

/** Twilio's DialCallStatus for a <Dial> someone picked up. */
const ANSWERED = ['completed', 'answered'];

/**
 * The outcome of a call that ended at the front desk. Such a call never reaches the receptionist,
 * so nothing else would give it one: answered, it was handed to a person (`transferred`); hung up
 * while the desk rang, `abandoned`.
 */
function outcomeAtTheDesk(record: CallRouteRecord): string | undefined {
  if (record.route === 'front_desk' && record.dialStatus !== null && ANSWERED.includes(record.dialStatus)) return 'transferred';
  if (record.route === 'front_desk_then_caller_hung_up') return 'abandoned';
  return undefined;
}

/**
 * Sets the call's route (the same write applied twice leaves the same row). False: no such call.
 * A call that ended at the front desk gets its outcome by rule, unless something more specific is known.
 */
export async function recordCallRoute(trx: Trx, record: CallRouteRecord): Promise<boolean> {
  const outcome = outcomeAtTheDesk(record);
  if (outcome) {
    await trx
      .updateTable('conversations')
      .set({ outcome, outcome_source: 'rule' })
      .where('id', '=', (eb) => eb.selectFrom('voice_call_details').select('conversation_id').where('call_sid', '=', record.callSid))
      .where('outcome', 'is', null)
      .execute();
  }
  const updated = await trx
    .updateTable('voice_call_details')
    .set({
      route: record.route,
      ...(record.dialStatus !== null ? { front_desk_dial_status: record.dialStatus } : {}),
      ...(record.ringSeconds !== null ? { front_desk_ring_seconds: record.ringSeconds } : {}),
    })
    .where('call_sid', '=', record.callSid)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}
