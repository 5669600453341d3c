import type { Trx } from './database.js';

/** Stream tokens used, across every machine: one stream per token, one first stream per call. */

export interface StreamRedemption {
  nonce: string;
  callSid: string;
  conversationId: string;
  /** 'new': the call's first stream; 'resume': back after an unanswered transfer. */
  leg: 'new' | 'resume';
  /** Random per attempt: this same write applied again (a retry) is not mistaken for a reuse. */
  claimId: string;
  streamSid: string;
  machineId: string;
  expiresAt: Date;
}

/**
 * 'redeemed': this stream may run. 'reused': the token (or, for a first stream, the call) was
 * already used by another stream. 'call-ended': the call's record says it is over.
 */
export type RedemptionVerdict = 'redeemed' | 'reused' | 'call-ended';

/**
 * Records a stream token's use and says whether it was the first. The row is written whatever the
 * verdict (a refused stream still used the token up); the unique keys make concurrent uses on two
 * machines queue up, so exactly one wins.
 */
export async function redeemStreamToken(trx: Trx, redemption: StreamRedemption): Promise<RedemptionVerdict> {
  await trx
    .insertInto('stream_token_redemptions')
    .values({
      nonce: redemption.nonce,
      call_sid: redemption.callSid,
      conversation_id: redemption.conversationId,
      leg: redemption.leg,
      claim_id: redemption.claimId,
      stream_sid: redemption.streamSid,
      machine_id: redemption.machineId,
      expires_at: redemption.expiresAt,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const holders = await trx
    .selectFrom('stream_token_redemptions')
    .select('claim_id')
    .where((eb) =>
      redemption.leg === 'new'
        ? eb.or([eb('nonce', '=', redemption.nonce), eb.and([eb('call_sid', '=', redemption.callSid), eb('leg', '=', 'new')])])
        : eb('nonce', '=', redemption.nonce),
    )
    .execute();
  if (holders.some((h) => h.claim_id !== redemption.claimId)) return 'reused';
  const conversation = await trx.selectFrom('conversations').select('ended_at').where('id', '=', redemption.conversationId).executeTakeFirst();
  return conversation?.ended_at ? 'call-ended' : 'redeemed';
}
