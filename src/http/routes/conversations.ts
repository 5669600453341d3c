import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isIso6391 } from '../../language/iso-639-1.js';
import { conversationDetail, listConversations } from '../../storage/conversation-queries.js';
import type { RecordingStorage } from '../../storage/recording-store.js';
import { spaTimezone } from '../../storage/spa-lookups.js';
import { describeRecording } from '../recording-description.js';
import { authorisedSpa } from '../auth.js';
import { calendarDay } from '../calendar-day.js';
import { withHttpErrors } from '../domain-errors.js';
import { HttpError } from '../errors.js';
import { conversationDetailResponse, conversationListResponse } from '../response-schemas.js';
import { audit } from '../staff/audit.js';
import { idParams, uuid } from '../route-schemas.js';

/** /conversations: calls and text threads, one in full, and staff texting a patient back. */

/** Sending texts lives in sms/; the composition root hands it in. */
export interface StaffTextHandlers {
  send(spaId: string, conversationId: string, body: string): Promise<{ sent: boolean }>;
  setPaused(spaId: string, conversationId: string, paused: boolean): Promise<boolean>;
}

const conversationQuery = z.object({
  channel: z.enum(['voice', 'sms']).optional(),
  status: z.enum(['active', 'completed', 'transferred', 'failed', 'abandoned']).optional(),
  outcome: z.string().max(40).optional(),
  customerId: uuid.optional(),
  language: z.string().refine(isIso6391, 'must be an ISO 639-1 language code, such as en or es').optional().describe('Only those held in this language (ISO 639-1)'),
  from: calendarDay.optional().describe("First day, in the spa's time zone"),
  to: calendarDay.optional().describe("Last day (inclusive), in the spa's time zone"),
  q: z.string().min(1).max(200).optional().describe('Words to find in transcripts and summaries'),
  followUpNeeded: z.enum(['true', 'false']).optional().describe('Only those the summary says need (or do not need) a follow-up'),
  maxSatisfaction: z.coerce.number().int().min(1).max(5).optional().describe('Only those with satisfaction at most this'),
  test: z.enum(['true', 'false']).optional().describe("Only calls on the console's test line (true) or only real ones (false)"),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const cursorSchema = z.tuple([z.string().datetime(), uuid]);

function encodeCursor(startedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([startedAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const [startedAt, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { startedAt: new Date(startedAt), id };
  } catch {
    throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not one this API gave out.');
  }
}

const conversationRoutes: FastifyPluginAsyncZod<{ texts: StaffTextHandlers; recordings: RecordingStorage }> = async (app, { texts, recordings }) => {
  const { db } = app;

  app.get('/conversations', {
    schema: { tags: ['conversations'], summary: 'Calls and text threads, newest first', querystring: conversationQuery, response: { 200: conversationListResponse } },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const q = request.query;
    const rows = await listConversations(db, {
      spaId,
      timezone: await spaTimezone(db, spaId),
      channel: q.channel,
      status: q.status,
      outcome: q.outcome,
      customerId: q.customerId,
      language: q.language,
      from: q.from,
      to: q.to,
      text: q.q,
      followUpNeeded: q.followUpNeeded === undefined ? undefined : q.followUpNeeded === 'true',
      maxSatisfaction: q.maxSatisfaction,
      test: q.test === undefined ? undefined : q.test === 'true',
      cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit,
    });
    const last = rows.at(-1);
    // The list shows summaries and outcomes: patient data. The search text itself is not kept.
    await audit(request, { action: 'conversations.listed', detail: { searched: q.q !== undefined, results: rows.length } });
    return { data: rows, nextCursor: rows.length === q.limit && last ? encodeCursor(last.startedAt, last.id) : null };
  });

  app.get('/conversations/:id', {
    schema: { tags: ['conversations'], summary: 'One conversation: messages, events, call details, appointments', params: idParams, response: { 200: conversationDetailResponse } },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const detail = await conversationDetail(db, spaId, request.params.id);
    if (!detail) throw new HttpError(404, 'NOT_FOUND', 'No such conversation.');
    await audit(request, { action: 'conversation.viewed', recordType: 'conversation', recordId: request.params.id });
    return { ...detail, recording: await describeRecording(db, recordings, spaId, request.params.id) };
  });

  app.post('/conversations/:id/messages', {
    schema: {
      tags: ['conversations'],
      summary: 'Text the patient as the spa; the receptionist pauses on this thread until handed back',
      params: idParams,
      body: z.object({ text: z.string().trim().min(1).max(1600) }).strict(),
    },
  }, async (request, reply) => {
    const result = await withHttpErrors(() => texts.send(authorisedSpa(request), request.params.id, request.body.text));
    await audit(request, { action: 'conversation.text_sent', recordType: 'conversation', recordId: request.params.id });
    return reply.status(201).send({ ...result, assistantPaused: true });
  });

  app.put('/conversations/:id/assistant', {
    schema: {
      tags: ['conversations'],
      summary: 'Pause the receptionist on a thread, or hand it back',
      params: idParams,
      body: z.object({ paused: z.boolean() }).strict(),
    },
  }, async (request) => {
    if (!(await texts.setPaused(authorisedSpa(request), request.params.id, request.body.paused)))
      throw new HttpError(404, 'NOT_FOUND', 'No such conversation.');
    await audit(request, {
      action: request.body.paused ? 'conversation.assistant_paused' : 'conversation.assistant_resumed',
      recordType: 'conversation',
      recordId: request.params.id,
    });
    return { assistantPaused: request.body.paused };
  });
};

export default conversationRoutes;
