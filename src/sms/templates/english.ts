import type { TextTemplates } from './text-templates.js';

export const ENGLISH: TextTemplates = {
  dateTime(instant, timeZone) {
    const date = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', month: 'long', day: 'numeric' }).format(instant);
    const time = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(instant);
    // Some ICU versions put a narrow no-break space before AM/PM; a text keeps to plain ones.
    return `${date} at ${time.replace(/[\u00a0\u202f]/g, ' ').replace(':00 ', ' ')}`;
  },
  confirmation: (f) =>
    `${f.spaName}: you're booked for ${f.service} with ${f.provider} on ${f.when}, ${f.street}. Need to change it? Just reply to this text. Reply STOP to opt out.`,
  reschedule: (f) => `${f.spaName}: your ${f.service} with ${f.provider} is now on ${f.when}. Reply to this text if you need anything else.`,
  cancellation: (f) => `${f.spaName}: your ${f.service} on ${f.when} is cancelled. Reply to this text whenever you'd like to book again.`,
  reminder: (f) => `Reminder from ${f.spaName}: ${f.service} with ${f.provider} on ${f.when}, ${f.street}. Reply to this text if you need to reschedule.`,
  help: (spa) =>
    `${spa.name}: this number is answered by our AI receptionist, who can book, move or cancel appointments and answer questions. Reply STOP to opt out, START to opt back in. Msg&data rates may apply.`,
  optedOut: (spa) => `${spa.name}: you're unsubscribed and won't get more texts from us. Reply START to opt back in.`,
  optedIn: (spa) => `${spa.name}: you're subscribed again. Reply HELP for help, STOP to opt out. Msg&data rates may apply.`,
  followUp: (f) => `Hi, it's ${f.receptionist} from ${f.spaName}. Sorry we got cut off! Reply here and I can help you finish up, or call us back any time.`,
  verificationCode: (f) =>
    `${f.spaName}: ${f.code} is your verification code. It expires in ${f.minutes} minutes. If you did not contact us just now, you can ignore this text.`,
  verificationCodeRecord: (f) => `${f.spaName}: a verification code was sent (the code is not kept).`,
};
