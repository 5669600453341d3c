import { languageName } from '../language/iso-639-1.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import { transcriptionLanguage } from './language-hint.js';

/**
 * The languages a call may be held in: the spa's (primary first), and the caller's once known.
 * While a spa with several languages does not know the caller's, transcription is left unpinned
 * (the provider then recognises the language itself), with a prompt naming the spa's languages;
 * once the caller's language is known it is pinned, which the provider says improves accuracy
 * and latency. A spa with one language pins it from the start, as before.
 */

export interface SpaLanguages {
  /** Valid ISO 639-1 codes, the primary first; empty when none is valid (transcription gets no hint). */
  codes: string[];
  primary: string | null;
  /** The spa's words inviting callers to speak another of its languages, said after the greeting. */
  invitation: string | null;
}

type Warn = (details: { language: string }, message: string) => void;

export function spaLanguages(spa: SpaProfile, warn: Warn): SpaLanguages {
  const codes = [...new Set(spa.settings.languages.map((code) => transcriptionLanguage(code, warn)).filter((code) => code !== null))];
  return { codes, primary: codes[0] ?? null, invitation: codes.length > 1 ? spa.settings.languageInvitation : null };
}

/** The caller's language if the spa serves it, else null (then the spa's primary is spoken). */
export function servedLanguage(languages: SpaLanguages, language: string | null | undefined): string | null {
  return language && languages.codes.includes(language) ? language : null;
}

export interface TranscriptionLanguage {
  language: string | null;
  prompt: string | null;
}

export function transcriptionFor(languages: SpaLanguages, callerLanguage: string | null): TranscriptionLanguage {
  if (callerLanguage) return { language: callerLanguage, prompt: null };
  if (languages.codes.length <= 1) return { language: languages.primary, prompt: null };
  // Each language named in itself, so the prompt leans towards none of them.
  const names = languages.codes.map((code) => languageName(code, 'self')).join(', ');
  return { language: null, prompt: `A patient phoning a medical spa. ${names}.` };
}

/** The instructions' rules on language, for the caller's language as known now. */
export function languageRules(languages: SpaLanguages, callerLanguage: string | null): string[] {
  const { codes, primary } = languages;
  if (!primary) return ["- Speak English unless the caller speaks another language; then answer in theirs."];
  const name = (code: string) => languageName(code);
  const primaryName = name(primary);
  if (codes.length === 1)
    return [
      `- Speak ${primaryName}. If the caller speaks another language, say briefly and kindly that you can only help in ${primaryName} here, and carry on in ${primaryName} as simply as you can.`,
    ];
  const all = codes.map(name).join(' and ');
  const others = codes.slice(1).map(name).join(' or ');
  return [
    `- You serve callers in ${all}; ${primaryName} is the spa's main language.`,
    callerLanguage
      ? `- This caller speaks ${name(callerLanguage)}: speak ${name(callerLanguage)} with them, naturally, not as a translation. If they clearly switch to another of these languages, follow them.`
      : `- Start in ${primaryName}. As soon as the caller speaks ${others}, answer in their language and stay in it for the rest of the call.`,
    `- If the caller speaks a language other than ${all}, say briefly and kindly, in their language if you can and in ${primaryName}, that you can help in ${all}, then carry on in ${primaryName}.`,
  ];
}
