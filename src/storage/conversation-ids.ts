import { createHash } from 'node:crypto';

/** UUID namespace of voice conversations (RFC 9562 name-based ids, version 5). */
const VOICE_CONVERSATION_NAMESPACE = Buffer.from('6f1c2a4e5b7d4e0a9c3f8d2b1a0e7c56', 'hex');

/**
 * The conversation id of a call, derived from its CallSid: every machine, every retry of the
 * webhook and every replay of a queued write agrees on it without asking the database.
 */
export function voiceConversationId(callSid: string): string {
  const bytes = createHash('sha1').update(VOICE_CONVERSATION_NAMESPACE).update(callSid).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
