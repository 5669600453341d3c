import { HOLD_PROMPT_MULAW_BASE64 } from './hold-prompt-audio.js';

let clip: Buffer | undefined;

/**
 * "One moment, please." as 8 kHz μ-law, played while a lost model connection is restored. It is
 * synthesised speech bundled with the service (test/tools/make-hold-prompt.sh), so it plays even
 * when no model can be reached; it is not in the receptionist's own voice.
 */
export function holdPromptAudio(): Buffer {
  clip ??= Buffer.from(HOLD_PROMPT_MULAW_BASE64, 'base64');
  return clip;
}
