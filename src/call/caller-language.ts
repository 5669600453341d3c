import { detectLanguage } from '../language/language-detector.js';
import type { SpaLanguages } from './call-languages.js';

export interface LanguageListener {
  /** The caller speaks `language`, one of the spa's: switch the session to it and remember it. */
  switchTo(language: string): void;
  /** The caller speaks a language the spa does not serve (the model falls back to the primary). */
  unsupported(language: string): void;
}

/**
 * Follows the caller's language from what they say (each finished transcript of their turns).
 * The first turn clearly in one of the spa's languages settles it (and pins transcription to it);
 * a later turn clearly in another of them switches. Turns too short or mixed to tell decide
 * nothing, so a lone "okay" or a name never flips the call.
 */
export class CallerLanguage {
  private settled = false;
  private readonly reportedUnsupported = new Set<string>();

  constructor(
    private readonly languages: SpaLanguages,
    /** Known before the call from the patient's record (not yet heard in this call). */
    private current: string | null,
    private readonly listener: LanguageListener,
  ) {}

  get language(): string | null {
    return this.current;
  }

  callerSaid(text: string): void {
    const detected = detectLanguage(text)?.language;
    if (!detected) return;
    if (!this.languages.codes.includes(detected)) {
      if (this.reportedUnsupported.has(detected)) return;
      this.reportedUnsupported.add(detected);
      this.listener.unsupported(detected);
      return;
    }
    if (this.settled && detected === this.current) return;
    this.settled = true;
    this.current = detected;
    this.listener.switchTo(detected);
  }
}
