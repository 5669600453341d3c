import twilio from 'twilio';

/** TwiML documents the service returns. Built with the SDK's builders so escaping is never ours to get wrong. */

const SAY = { voice: 'Polly.Joanna-Neural', language: 'en-US' } as const;

export function connectStreamTwiml(options: {
  streamUrl: string;
  actionUrl: string;
  parameters: Record<string, string>;
}): string {
  const response = new twilio.twiml.VoiceResponse();
  const connect = response.connect({ action: options.actionUrl, method: 'POST' });
  const stream = connect.stream({ url: options.streamUrl });
  for (const [name, value] of Object.entries(options.parameters)) stream.parameter({ name, value });
  return response.toString();
}

export function sayAndHangUpTwiml(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(SAY, message);
  response.hangup();
  return response.toString();
}

/** Says the announcement and rings the number; `actionUrl` hears how the dial ended (unanswered → back to us). */
export function sayAndDialTwiml(message: string, number: string, actionUrl?: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (message) response.say(SAY, message);
  response.dial(actionUrl ? { action: actionUrl, method: 'POST', timeout: 25 } : {}, number);
  return response.toString();
}

export function hangUpTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}

/**
 * Voicemail: says the message, records up to two minutes after a beep (# or silence ends it) and
 * posts the recording to `actionUrl`, whose TwiML thanks the caller.
 */
export function sayAndRecordTwiml(message: string, actionUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(SAY, message);
  response.record({ action: actionUrl, method: 'POST', maxLength: 120, timeout: 5, playBeep: true, finishOnKey: '#' });
  // Reached only when nothing was recorded.
  response.say(SAY, 'We did not get a message. Please call back any time. Goodbye.');
  response.hangup();
  return response.toString();
}
