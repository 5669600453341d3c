import { isIso6391 } from '../language/iso-639-1.js';

/**
 * The spa's `language` setting as a transcription hint. The staff API only stores two-letter
 * codes, but a value written before that check (or by hand) may be one the provider refuses, and
 * a refused session configuration would cost the call: such a value gives no hint instead.
 */

/** The hint to give, or null (with a warning) for a value the provider would refuse. */
export function transcriptionLanguage(setting: string, warn: (details: { language: string }, message: string) => void): string | null {
  if (isIso6391(setting)) return setting;
  warn({ language: setting }, 'the spa language setting is not an ISO 639-1 code; transcribing callers without a language hint');
  return null;
}
