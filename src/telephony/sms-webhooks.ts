import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { verifiedTwilioForm } from './twilio-signature.js';

/** Twilio's messaging webhooks: inbound texts and delivery status. Signed like the voice ones. */

const inboundSchema = z.looseObject({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-zA-Z]{32}$/, 'MessageSid must be SM or MM followed by 32 characters'),
  From: z.string().min(1),
  To: z.string().min(1),
  Body: z.string().max(20_000).default(''),
  NumMedia: z.coerce.number().int().min(0).max(10).default(0),
  NumSegments: z.coerce.number().int().min(0).optional(),
});

const statusSchema = z.looseObject({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1).max(40),
  ErrorCode: z.string().max(20).optional(),
});

export interface InboundText {
  messageSid: string;
  from: string;
  to: string;
  body: string;
  numSegments: number | null;
  media: { url: string; contentType: string }[];
}

export interface SmsWebhookHandlers {
  onInboundText(text: InboundText, log: FastifyBaseLogger): Promise<void>;
  onDeliveryStatus(update: { messageSid: string; status: string; errorCode: string | null }, log: FastifyBaseLogger): Promise<void>;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export function registerSmsWebhooks(app: FastifyInstance, options: { config: Config; handlers: SmsWebhookHandlers }): void {
  const { config, handlers } = options;

  const signedParams = (request: FastifyRequest, reply: FastifyReply) =>
    verifiedTwilioForm(request, reply, { authToken: config.twilio.authToken, publicBaseUrl: config.publicBaseUrl });

  // Answered at once with empty TwiML: the reply goes out through the REST API when it is ready.
  app.post('/twilio/sms', async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const text = inboundSchema.parse(params);
    const media = Array.from({ length: text.NumMedia }, (_, i) => ({
      url: String(params[`MediaUrl${i}`] ?? ''),
      contentType: String(params[`MediaContentType${i}`] ?? 'application/octet-stream'),
    })).filter((m) => m.url.startsWith('https://'));
    await handlers.onInboundText(
      {
        messageSid: text.MessageSid,
        from: text.From.trim(),
        to: text.To.trim(),
        body: text.Body,
        numSegments: text.NumSegments ?? null,
        media,
      },
      request.log.child({ messageSid: text.MessageSid }),
    );
    return reply.status(200).type('text/xml').send(EMPTY_TWIML);
  });

  app.post('/twilio/sms/status', async (request, reply) => {
    const params = signedParams(request, reply);
    if (!params) return reply;
    const status = statusSchema.parse(params);
    await handlers.onDeliveryStatus(
      { messageSid: status.MessageSid, status: status.MessageStatus, errorCode: status.ErrorCode ?? null },
      request.log.child({ messageSid: status.MessageSid }),
    );
    return reply.status(204).send();
  });
}
