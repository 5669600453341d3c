/**
 * The one source of "now" for every decision the service makes by the calendar: booking windows,
 * reminders, quiet hours, follow-ups, a patient's upcoming appointments, analytics' "today". The
 * server passes `systemClock`; tests fix it, so a test's now is the only now. (Durations measured
 * inside a call, and delays of real time such as a text's debounce, are not dates and need no clock.)
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
