/**
 * Every text the service sends, per language. Each language implements the whole interface, so a
 * text added to one and forgotten in another fails the typecheck. Wording is each language's own
 * (written as a receptionist there would write it), not a word-for-word translation.
 */

export interface AppointmentTextFacts {
  spaName: string;
  service: string;
  provider: string;
  /** The appointment's date and time, already worded (`dateTime`). */
  when: string;
  street: string;
}

export interface TextTemplates {
  /** "Tuesday, December 1 at 11 AM" / "el martes 1 de diciembre a las 11:00 a. m.", in the spa's time zone. */
  dateTime(instant: Date, timeZone: string): string;
  confirmation(facts: AppointmentTextFacts): string;
  reschedule(facts: AppointmentTextFacts): string;
  cancellation(facts: AppointmentTextFacts): string;
  reminder(facts: AppointmentTextFacts): string;
  /** The answer to HELP. */
  help(spa: { name: string }): string;
  /** The last text after an opt-out word (what carriers require: that it worked, and how to come back). */
  optedOut(spa: { name: string }): string;
  optedIn(spa: { name: string }): string;
  /** After a call cut short with nothing settled. */
  followUp(facts: { receptionist: string; spaName: string }): string;
  verificationCode(facts: { spaName: string; code: string; minutes: number }): string;
  /** What the patient's thread keeps instead of the code. */
  verificationCodeRecord(facts: { spaName: string }): string;
}

/** The languages texts are written in. */
export type TextLanguage = 'en' | 'es';
