import type { Logger } from 'pino';
import type { RealtimeModel } from '../realtime/realtime-model.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import { openingState } from '../tools/spa-lookup.js';
import type { CallRecorder } from './call-recorder.js';
import type { KeypadCall } from './caller-keypad.js';

/**
 * What the caller's keys ask of the call. 0: a person. Like speaking over a reply, it stops the
 * reply at once (what was heard is what the model keeps); then, while the front desk is open, the
 * call is transferred as the transfer tool does it (warm, with the same no-answer fallback), and
 * outside hours the receptionist offers to take a message. Other keys reach the model as what the
 * caller typed.
 *
 * A tool may be running when a key is pressed (a booking against a slow calendar). 0 still
 * transfers at once; the tool runs to its end and its result is recorded and given to the model,
 * but the model is asked for no reply once the transfer has begun. What the model is asked to say
 * (the closed-hours note, the apology for a failed transfer, typed digits) waits for the result and
 * is the one reply to both, so two responses never overlap.
 */

export const HOLD_FOR_FRONT_DESK = 'Please hold while I connect you with our front desk.';

export function frontDeskClosedNote(nextOpening: string | null): string {
  return `The caller pressed 0 to reach a person, but the front desk is closed right now${
    nextOpening ? ` (it opens ${nextOpening})` : ''
  }. In one or two short sentences, say so kindly and offer to take a message so the team calls them back; if they agree, take it with take_message.`;
}

export const TRANSFER_FAILED_NOTE =
  'The caller pressed 0 to reach a person, but the call could not be put through just now. Apologise briefly and offer to take a message so the team calls them back.';

export interface KeypadSession {
  isEnded(): boolean;
  spa(): SpaProfile | undefined;
  model(): RealtimeModel | undefined;
  /** The spa's clock (opening hours). */
  now(): Date;
  /** Stops the reply under way as a barge-in does: clear, truncate at what was heard, cancel generation. */
  stopReply(): void;
  /** Runs `then` once no response is being generated and no tool is running (at once when neither is); it then asks for the one reply. */
  whenReplyDone(then: () => void): void;
  holdPrompt(): void;
  transferring(): boolean;
  transfer(number: string, announcement: string): Promise<void>;
  /** The call ends in a transfer: noted on the conversation, as the tool does. */
  transferred(): void;
  handlesKeys(): boolean;
}

export function keypadRequests(session: KeypadSession, recorder: CallRecorder, log: Logger): KeypadCall {
  // Nothing is asked of the model once the call is being handed to a person.
  const mayAsk = () => !session.isEnded() && !session.transferring();
  const speakWith = (note: string, system?: string) =>
    session.whenReplyDone(() => {
      const model = session.model();
      if (!mayAsk() || !model) return;
      if (system) model.restoreConversation([{ type: 'message', role: 'system', text: system }]);
      model.createResponse({ note });
    });

  return {
    handlesKeys: () => session.handlesKeys(),
    askedForPerson() {
      if (session.isEnded() || session.transferring()) return;
      session.stopReply();
      const spa = session.spa();
      const state = spa ? openingState(spa, session.now()) : { open: false, nextOpening: null };
      const number = spa?.transferNumber;
      recorder.event('front_desk_requested', null, { by: 'dtmf', open: state.open, transfer: state.open && !!number });
      if (!state.open || !number) {
        speakWith(frontDeskClosedNote(state.nextOpening), 'The caller pressed 0 on the keypad to reach a person.');
        return;
      }
      // "One moment, please." covers the moment until the carrier plays the hold message.
      session.holdPrompt();
      session
        .transfer(number, HOLD_FOR_FRONT_DESK)
        .then(() => session.transferred())
        .catch((error: unknown) => {
          log.warn({ err: error }, 'transfer after 0 was pressed failed');
          recorder.event('error', 'transfer_failed', { by: 'dtmf', message: error instanceof Error ? error.message : String(error) });
          speakWith(TRANSFER_FAILED_NOTE);
        });
    },
    typed(keys) {
      if (session.isEnded()) return;
      const text = `Caller pressed: ${keys.split('').join(' ')}`;
      recorder.event('dtmf_typed', null, { keys: keys.length });
      session.whenReplyDone(() => {
        const model = session.model();
        if (!mayAsk() || !model) return;
        model.restoreConversation([{ type: 'message', role: 'user', text }]);
        model.createResponse();
      });
    },
  };
}
