import { z } from 'zod';
import { TextSendError, type MessageSender } from './outbound.js';

/** The part of the twilio SDK client used to send texts (structural, so tests and app share it). */
export interface TwilioMessagesApi {
  messages: {
    create(params: { from: string; to: string; body: string; statusCallback: string }): Promise<{ sid: string; numSegments?: string | null }>;
  };
}

const restException = z.object({ status: z.number(), code: z.number().optional(), message: z.string().optional() });

/** Twilio Messaging as a MessageSender: 429 and 5xx are retryable, other refusals are not. */
export function twilioMessageSender(client: TwilioMessagesApi): MessageSender {
  return {
    async send(message) {
      try {
        const sent = await client.messages.create(message);
        const segments = sent.numSegments ? Number(sent.numSegments) : null;
        return { sid: sent.sid, segments: Number.isFinite(segments) ? segments : null };
      } catch (error) {
        const parsed = restException.safeParse(error);
        if (!parsed.success) throw new TextSendError(error instanceof Error ? error.message : String(error), true, undefined);
        const { status, code, message: text } = parsed.data;
        throw new TextSendError(`Twilio ${status}${code ? ` (${code})` : ''}: ${text ?? 'error'}`, status === 429 || status >= 500, code);
      }
    },
  };
}
