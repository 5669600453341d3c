import type OpenAI from 'openai';

/**
 * The one sentence a warm transfer whispers to the front desk: what the caller wants, written by
 * the text model the after-call summaries use (Responses API), from the conversation so far. The
 * caller is on hold while it is written, so it gets one short attempt; the call falls back to a
 * sentence of its own when this throws or is late (src/call/warm-transfer.ts).
 */

export interface TransferSummaryInput {
  spaName: string;
  lines: { speaker: 'caller' | 'receptionist'; text: string }[];
  reason: string | undefined;
}

const MAX_INPUT_CHARS = 6_000;

export function transferSummaryInstructions(spaName: string): string {
  return [
    `A phone call to ${spaName} is being handed from the AI receptionist to a person at the front desk.`,
    'Write ONE short sentence (at most 25 words) telling that person what the caller wants, starting with "They" (e.g. "They want to move Friday\'s facial to next week.").',
    'Plain words only: no names, no phone numbers, no greeting, no quotation marks.',
  ].join('\n');
}

export function transferSummaryInput(input: TransferSummaryInput): string {
  let transcript = input.lines.map((l) => `${l.speaker === 'caller' ? 'Caller' : 'Receptionist'}: ${l.text}`).join('\n');
  if (transcript.length > MAX_INPUT_CHARS) transcript = `…${transcript.slice(-MAX_INPUT_CHARS)}`;
  return [`Why the receptionist is transferring: ${input.reason?.trim() || 'the caller asked for a person'}`, '', 'Conversation so far:', transcript || '(nothing said yet)'].join('\n');
}

/** Asks the model once; throws when it cannot answer (the caller of this keeps to its own time limit). */
export function transferSummariser(openai: OpenAI, model: string) {
  return async (input: TransferSummaryInput, signal: AbortSignal): Promise<string> => {
    const response = await openai.responses.create(
      {
        model,
        instructions: transferSummaryInstructions(input.spaName),
        input: transferSummaryInput(input),
        max_output_tokens: 80,
        store: false,
      },
      { signal, maxRetries: 0 },
    );
    const text = response.output_text.replace(/\s+/g, ' ').trim();
    if (response.status === 'incomplete' || !text) throw new Error(`no usable transfer summary (${response.status ?? 'empty'})`);
    return text;
  };
}
