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

export interface DialOptions {
  /** <Dial action>: hears how the dial ended (DialCallStatus), so an unanswered one comes back to us. */
  actionUrl?: string;
  /** Seconds the number rings before the dial gives up (Twilio's default is 30). */
  ringSeconds?: number;
  /** The caller's number, shown to the front desk (a number Twilio allows: the inbound caller's). */
  callerId?: string;
  /** <Number url>: TwiML played to the person who answers before the caller is connected (a whisper). */
  whisperUrl?: string;
}

/** Says the announcement and rings the number; `actionUrl` hears how the dial ended (unanswered → back to us). */
export function sayAndDialTwiml(message: string, number: string, actionUrl?: string, options: Omit<DialOptions, 'actionUrl'> = {}): string {
  const response = new twilio.twiml.VoiceResponse();
  if (message) response.say(SAY, message);
  appendDial(response, number, { ...options, ...(actionUrl ? { actionUrl } : {}) });
  return response.toString();
}

/** Rings the front desk before anyone else answers: the caller hears ringing, as with any phone. */
export function ringFrontDeskTwiml(number: string, options: DialOptions & { actionUrl: string; ringSeconds: number }): string {
  const response = new twilio.twiml.VoiceResponse();
  appendDial(response, number, options);
  return response.toString();
}

function appendDial(response: InstanceType<typeof twilio.twiml.VoiceResponse>, number: string, options: DialOptions): void {
  const attributes = {
    ...(options.actionUrl ? { action: options.actionUrl, method: 'POST' as const, timeout: options.ringSeconds ?? 25 } : {}),
    ...(options.callerId ? { callerId: options.callerId } : {}),
  };
  if (options.whisperUrl) response.dial(attributes).number({ url: options.whisperUrl, method: 'POST' }, number);
  else response.dial(attributes, number);
}

/** What the person who picks up hears before being connected (<Number url> answers with this). */
export function whisperTwiml(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(SAY, text);
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
