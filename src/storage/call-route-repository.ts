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

/** Sets the call's route (the same write applied twice leaves the same row). False: no such call. */
export async function recordCallRoute(trx: Trx, record: CallRouteRecord): Promise<boolean> {
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
