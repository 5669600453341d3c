import { languageName } from '../language/iso-639-1.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import { spaFactsText } from '../tools/spa-facts.js';
import { languageRules, type SpaLanguages } from './call-languages.js';

/** The receptionist's system instructions, built from the spa's own settings and today's date there. */

export function buildInstructions(spa: SpaProfile, now: Date, languages: SpaLanguages, callerLanguage: string | null): string {
  return [
    `You are ${spa.persona.name}, the receptionist at ${spa.name}, answering the phone.`,
    `Tone: ${spa.persona.tone}`,
    '',
    '# How to talk on the phone',
    '- Keep every reply to one or two short sentences, then let the caller speak. One question at a time.',
    '- Say times and dates the way a person would ("Tuesday, March 3rd at 2:30"), never as digits or codes.',
    '- Read phone numbers back in groups of digits to confirm them.',
    '- If you did not catch something, ask again politely rather than guessing.',
    '- Never give medical advice or diagnose; offer a consultation or a callback from a provider instead.',
    '- Never invent availability, prices or policies: use the tools and the facts below.',
    "- A patient's appointments are private. When someone calling from another number asks about them, explain briefly and warmly that, to protect the patient's privacy, you will text a short code to the number on file and need them to read it back before you can share or change anything.",
    ...languageRules(languages, callerLanguage),
    '- When the conversation is over, say goodbye and call end_call in the same turn.',
    ...(spa.settings.recording.enabled
      ? ['- This call is recorded, and the greeting says so. If the caller asks not to be recorded, or objects to it, call stop_recording at once, then tell them the recording has stopped.']
      : []),
    '',
    spaFactsText(spa, now),
  ].join('\n');
}

/** The spa's greeting; when calls are recorded, the disclosure in the spa's words follows it, before anything else. */
function spokenGreeting(spa: SpaProfile): string {
  return spa.settings.recording.enabled ? `${spa.persona.greeting} ${spa.settings.recording.disclosure}` : spa.persona.greeting;
}

/**
 * The greeting is the spa's own words in its primary language, with its invitation to speak
 * another; a patient known to speak another of the spa's languages is greeted in theirs.
 */
export function greetingInstructions(spa: SpaProfile, languages: SpaLanguages, callerLanguage: string | null): string {
  if (callerLanguage && callerLanguage !== languages.primary) {
    const name = languageName(callerLanguage);
    return `Greet the caller now, warmly and naturally, in ${name}: they have spoken ${name} with us before. Say in natural, idiomatic ${name} what this greeting says (not word for word): "${spokenGreeting(spa)}"`;
  }
  const words = languages.invitation ? `${spokenGreeting(spa)} ${languages.invitation}` : spokenGreeting(spa);
  return `Greet the caller now, warmly and naturally, with exactly these words: "${words}"`;
}

/** The front desk rang first and nobody picked up (routing `front_desk_first`): the caller has been waiting. */
export function frontDeskUnansweredGreeting(spa: SpaProfile): string {
  return `The caller rang the front desk first and nobody could pick up, so they have been waiting. Greet them now, warmly and briefly, starting with exactly these words: "Sorry to keep you waiting — the team is with other guests." Then say you are ${spa.persona.name} at ${spa.name}${spa.settings.recording.enabled ? `, say "${spa.settings.recording.disclosure}"` : ''} and ask how you can help.`;
}

/** Back from a transfer nobody answered: say so, and offer the next best thing. */
export function unansweredTransferInstructions(): string {
  return 'Tell the caller, warmly and briefly, that nobody at the front desk could pick up just now. Offer to take a message so they call back soon, or to help with anything else yourself.';
}

/** Sent as a system note into a session restored after a dropped connection, before it speaks again. */
export const RESUMED_AFTER_DROP_NOTE =
  'The line dropped for a moment on our side and the caller heard "One moment, please." Carry on naturally from where the conversation was: if the caller\'s last request has not been answered, answer it now; otherwise briefly thank them for holding and ask how you can continue helping. Do not explain technical details.';

export function stillTherePromptInstructions(): string {
  return 'The caller has been silent for a while. In one short, friendly sentence, ask whether they are still there and whether there is anything else you can help with. Say nothing else.';
}

export function silentCallerGoodbyeInstructions(): string {
  return 'The caller has not said anything for a while and may have stepped away. In one or two short sentences, say you will let them go for now, that they are welcome to call or text this number any time, and say goodbye.';
}

export type WrapUpReason = 'max_length' | 'shutdown';

/** Said once a call has to end for a reason of ours, not the caller's. */
export function wrapUpInstructions(reason: WrapUpReason): string {
  const why =
    reason === 'max_length'
      ? 'we have reached the time limit for this call'
      : 'you need to end this call now for a brief scheduled system update';
  return `Tell the caller, warmly and in at most three short sentences, that ${why}. If something was left unfinished, tell them briefly what the next step is and that they can call straight back on this number or text it and we will pick up where we left off. Then say goodbye. Do not ask any question.`;
}

/** A reply that was cut short (too long, or stopped by the provider's safety filter): carry on, briefly. */
export function incompleteReplyNote(reason: string | undefined): string {
  return reason === 'content_filter'
    ? 'Your last reply could not be finished. Without repeating it, carry on helping the caller in one or two short sentences: answer what they asked if you can, otherwise offer to take a message for the team.'
    : 'Your last reply was cut off before you finished. In one or two short sentences, finish what you were saying; if you were about to use a tool, use it now.';
}
