import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { erasePatient } from '../../storage/patient-erasure.js';
import { RecordingReader } from '../../storage/recording-reader.js';
import type { RecordingStorage } from '../../storage/recording-store.js';
import { noRecordingReason, recordingFacts } from '../../storage/recording-summary.js';
import { recordAuditEvent } from '../audit-trail.js';
import { authorisedSpa } from '../auth.js';
import { parseByteRange } from '../byte-range.js';
import { HttpError } from '../errors.js';
import { erasureResponse } from '../response-schemas.js';
import { idParams } from '../route-schemas.js';

/**
 * A call's recording, streamed as a stereo μ-law WAV (left: caller, right: receptionist) with
 * range requests so a player can seek; and erasing a patient. Playing (a request from the first
 * byte) and downloading are audited; a player's seeks within a play are not new plays.
 */
const recordingRoutes: FastifyPluginAsyncZod<{ recordings: RecordingStorage }> = async (app, { recordings }) => {
  const { db, clock } = app;

  app.get('/conversations/:id/recording', {
    schema: {
      tags: ['conversations'],
      summary: 'The call recording as WAV (two channels: caller left, receptionist right); supports Range',
      params: idParams,
      querystring: z.object({
        leg: z.coerce.number().int().min(1).max(20).default(1).describe('Which recorded part of the call (a call back from an unanswered transfer has two)'),
        download: z.enum(['true', 'false']).default('false'),
      }),
    },
  }, async (request, reply) => {
    const spaId = authorisedSpa(request);
    const facts = await recordingFacts(db, spaId, request.params.id);
    const row = facts.rows.filter((r) => r.status === 'complete' || r.status === 'recording')[request.query.leg - 1];
    if (!row) throw new HttpError(404, 'NO_RECORDING', `This conversation has no recording (${noRecordingReason(facts)}).`);
    const reader = await RecordingReader.open(recordings.store, row.objectPrefix, row.id, recordings.wrappingKey);
    if (reader.audioBytes === 0) throw new HttpError(404, 'NO_RECORDING', 'This recording has no audio yet.');
    const size = reader.wavBytes;
    const range = parseByteRange(request.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      void reply.header('content-range', `bytes */${size}`);
      throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', `The recording is ${size} bytes long.`);
    }
    const download = request.query.download === 'true';
    const start = range.kind === 'part' ? range.start : 0;
    const end = range.kind === 'part' ? range.end : size - 1;
    if (start === 0 || download)
      await recordAuditEvent(request, {
        action: download ? 'recording.downloaded' : 'recording.played',
        spaId,
        subject: { conversationId: row.conversationId, recordingId: row.id },
      });
    void reply
      .status(range.kind === 'part' ? 206 : 200)
      .header('accept-ranges', 'bytes')
      .header('content-type', 'audio/wav')
      .header('content-length', String(end - start + 1))
      .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="call-${row.conversationId}.wav"`);
    if (range.kind === 'part') void reply.header('content-range', `bytes ${start}-${end}/${size}`);
    return reply.send(Readable.from(reader.wavRange(start, end)));
  });

  app.post('/customers/:id/erase', {
    config: { role: 'owner' },
    schema: {
      tags: ['customers'],
      summary: "Erase a patient on request (owner): recordings, transcripts, texts and details; appointments keep an anonymous reference",
      params: idParams,
      response: { 200: erasureResponse },
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const result = await erasePatient(db, recordings.store, spaId, request.params.id, clock());
    if (!result) throw new HttpError(404, 'NOT_FOUND', 'No such patient.');
    await recordAuditEvent(request, { action: 'patient.erased', spaId, subject: { customerId: request.params.id }, detail: { ...result } });
    return { erased: true as const, ...result };
  });
};

export default recordingRoutes;
