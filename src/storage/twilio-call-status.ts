import type { ConversationStatus } from './schema.js';

/** Twilio call statuses after which the call is over. */
export const TERMINAL_TWILIO_STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

/** What a Twilio call status means for the conversation; undefined while the call is not over. */
export function conversationStatusFor(twilioStatus: string): ConversationStatus | undefined {
  switch (twilioStatus) {
    case 'completed':
      return 'completed';
    case 'busy':
    case 'no-answer':
    case 'canceled':
      return 'abandoned';
    case 'failed':
      return 'failed';
    default:
      return undefined;
  }
}
