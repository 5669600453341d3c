import type { SpaProfile } from '../storage/spa-repository.js';
import { describeHours, formatPrice } from '../tools/spa-facts.js';

/** The receptionist's system instructions, built from the spa's own settings and today's date there. */

export function todayInTimezone(now: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(now);
}

export function buildInstructions(spa: SpaProfile, now: Date): string {
  const persona = spa.persona;
  const services = spa.services
    .map((s) => `- ${s.name}: ${s.durationMinutes} minutes, ${formatPrice(s)}. ${s.description}`)
    .join('\n');
  const providers = spa.providers
    .map((p) => {
      const performs = spa.services.filter((s) => p.serviceIds.includes(s.id)).map((s) => s.name);
      return `- ${p.name}, ${p.title}. Performs: ${performs.join(', ')}.`;
    })
    .join('\n');
  return [
    `You are ${persona.name}, the receptionist at ${spa.name}, answering the phone.`,
    `Tone: ${persona.tone}`,
    '',
    '# How to talk on the phone',
    '- Keep every reply to one or two short sentences, then let the caller speak. One question at a time.',
    '- Say times and dates the way a person would ("Tuesday, March 3rd at 2:30"), never as digits or codes.',
    '- Read phone numbers back in groups of digits to confirm them.',
    '- If you did not catch something, ask again politely rather than guessing.',
    '- Never give medical advice or diagnose; offer a consultation or a callback from a provider instead.',
    '- Never invent availability, prices or policies: use the tools and the facts below.',
    '- Speak English unless the caller speaks another language; then answer in theirs.',
    '',
    '# The spa',
    `Name: ${spa.name}`,
    `Address: ${spa.address}`,
    `Local time now: ${todayInTimezone(now, spa.timezone)} (${spa.timezone}).`,
    'Opening hours:',
    describeHours(spa.hours),
    '',
    '# Services',
    services,
    '',
    '# Providers',
    providers,
    '',
    '# Policies',
    ...persona.policies.map((p) => `- ${p}`),
    `- Cancellations and changes need ${persona.cancellationNoticeHours} hours' notice.`,
  ].join('\n');
}

export function greetingInstructions(spa: SpaProfile): string {
  return `Greet the caller now, warmly and naturally, with exactly these words: "${spa.persona.greeting}"`;
}
