import type { SpaProfile } from '../storage/spa-repository.js';
import { openingState } from '../tools/spa-lookup.js';
import { sayAndDialTwiml, sayAndHangUpTwiml, sayAndRecordTwiml } from '../telephony/twiml.js';

/**
 * When the receptionist cannot take a call (the model is unreachable, or this machine is draining
 * or full and no other machine took it), the caller goes to people: the front desk while it is
 * open, otherwise voicemail that lands with the messages for staff. Never a dead line.
 */

export type HandOverSituation = 'trouble' | 'busy';

export interface HandOverUrls {
  /** <Dial action>: an unanswered front desk leads to voicemail. */
  dialEnded: string;
  /** <Record action>. */
  voicemail: string;
}

export const SORRY_TECHNICAL_TROUBLE =
  "I'm so sorry, we're having a technical problem on our end. Please call us back in a few minutes, or leave us a text at this number, and we'll get right back to you. Goodbye.";

const LEAVE_A_MESSAGE = "Please leave your name, your number and a short message after the tone, and we'll call you back as soon as we can.";

function opening(spa: SpaProfile, situation: HandOverSituation): string {
  return situation === 'trouble'
    ? "I'm so sorry, I'm having a technical problem on my end."
    : `Thank you for calling ${spa.name}. All of our lines are busy right now.`;
}

export function handOverTwiml(spa: SpaProfile | undefined, now: Date, situation: HandOverSituation, urls: HandOverUrls): string {
  if (!spa) return sayAndHangUpTwiml(SORRY_TECHNICAL_TROUBLE);
  if (spa.transferNumber && openingState(spa, now).open)
    return sayAndDialTwiml(`${opening(spa, situation)} Let me put you through to our front desk.`, spa.transferNumber, urls.dialEnded);
  return sayAndRecordTwiml(`${opening(spa, situation)} ${LEAVE_A_MESSAGE}`, urls.voicemail);
}

/** The front desk did not pick up a handed-over call. */
export function frontDeskUnansweredTwiml(urls: HandOverUrls): string {
  return sayAndRecordTwiml(`I'm sorry, nobody at the front desk could pick up just now. ${LEAVE_A_MESSAGE}`, urls.voicemail);
}

export const VOICEMAIL_THANKS = "Thank you, we've got your message and we'll call you back soon. Goodbye.";
