import { PCM16_24K, sameAudioFormat, type AudioFormat } from '../audio/audio-format.js';
import { CallerAudioTranscoder } from '../audio/telephony-transcoder.js';
import { HOLD_PROMPT_MULAW_BASE64 } from './hold-prompt-audio.js';

let clip: Buffer | undefined;
let clipPcm24k: Buffer | undefined;

/**
 * "One moment, please." as 8 kHz μ-law, played while a lost model connection is restored. It is
 * synthesised speech bundled with the service (test/tools/make-hold-prompt.sh), so it plays even
 * when no model can be reached; it is not in the receptionist's own voice.
 */
export function holdPromptAudio(): Buffer {
  clip ??= Buffer.from(HOLD_PROMPT_MULAW_BASE64, 'base64');
  return clip;
}

/** The hold prompt in the caller's format: μ-law 8 kHz as bundled, or PCM16 24 kHz (the test line), converted once. */
export function holdPromptAudioFor(format: AudioFormat): Buffer {
  if (!sameAudioFormat(format, PCM16_24K)) return holdPromptAudio();
  clipPcm24k ??= new CallerAudioTranscoder().toModel(holdPromptAudio());
  return clipPcm24k;
}
