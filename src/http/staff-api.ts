import { createHash, timingSafeEqual } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { createApiKey, revokeApiKey } from '../storage/api-key-repository.js';
import { conversationDetail, listConversations } from '../storage/conversation-queries.js';
import type { Database } from '../storage/schema.js';
import { applySettings, readSettings, SettingsError } from '../storage/settings-repository.js';
import {
  e164Schema,
  isTimeZone,
  personaSchema,
  spaSettingsPatchSchema,
  weeklyHoursSchema,
} from '../storage/spa-profile.js';
import {
  customerTimeline,
  listAppointments,
  listCustomers,
  listLiveCalls,
  listStaffMessages,
  markStaffMessageHandled,
  updateCustomer,
} from '../storage/staff-queries.js';
import { registerAnalyticsRoutes } from './analytics-routes.js';
import { authorisedSpa, requireRole } from './auth.js';
import { calendarDay } from './calendar-day.js';
import { HttpError } from './errors.js';
import { refuseNulCharacters } from './nul-characters.js';
import { systemClock, type Clock } from '../config/clock.js';

/** The staff REST API under /api/v1: every route is scoped to the key's spa. */

const localDate = calendarDay;
const uuid = z.string().uuid();
const idParams = z.object({ id: uuid });

function encodeCursor(startedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([startedAt.toISOString(), id])).toString('base64url');
}

const cursorSchema = z.tuple([z.string().datetime(), uuid]);

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const [startedAt, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { startedAt: new Date(startedAt), id };
  } catch {
    throw new HttpError(400, 'INVALID_CURSOR', 'The cursor is not one this API gave out.');
  }
}

const conversationQuery = z.object({
  channel: z.enum(['voice', 'sms']).optional(),
  status: z.enum(['active', 'completed', 'transferred', 'failed', 'abandoned']).optional(),
  outcome: z.string().max(40).optional(),
  customerId: uuid.optional(),
  from: localDate.optional().describe("First day, in the spa's time zone"),
  to: localDate.optional().describe("Last day (inclusive), in the spa's time zone"),
  q: z.string().min(1).max(200).optional().describe('Words to find in transcripts and summaries'),
  followUpNeeded: z.enum(['true', 'false']).optional().describe('Only those the summary says need (or do not need) a follow-up'),
  maxSatisfaction: z.coerce.number().int().min(1).max(5).optional().describe('Only those with satisfaction at most this'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const settingsPatch = z
  .object({
    name: z.string().min(1).max(200),
    address: z.string().min(1).max(300),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone'),
    transferNumber: e164Schema.nullable(),
    persona: personaSchema.partial(),
    hours: weeklyHoursSchema,
    settings: spaSettingsPatchSchema,
    services: z
      .array(
        z.object({
          slug: z.string().regex(/^[a-z0-9-]+$/),
          name: z.string().min(1).max(120),
          description: z.string().min(1).max(600),
          durationMinutes: z.number().int().min(5).max(480),
          priceCents: z.number().int().min(0).nullable(),
          priceNote: z.string().max(200).nullable(),
          active: z.boolean().optional(),
        }),
      )
      .max(100),
    providers: z
      .array(
        z.object({
          slug: z.string().regex(/^[a-z0-9-]+$/),
          name: z.string().min(1).max(120),
          title: z.string().min(1).max(200),
          hours: weeklyHoursSchema.nullable(),
          calendarId: z.string().max(300).nullable().optional(),
          services: z.array(z.string()).max(100),
          active: z.boolean().optional(),
        }),
      )
      .max(50),
  })
  .partial()
  .strict();

async function spaTimezone(db: Kysely<Database>, spaId: string): Promise<string> {
  const row = await db.selectFrom('spas').select('timezone').where('id', '=', spaId).executeTakeFirstOrThrow();
  return row.timezone;
}

/** Sending texts lives in sms/; the composition root hands it in. */
export interface StaffTextHandlers {
  send(spaId: string, conversationId: string, body: string): Promise<{ sent: boolean }>;
  setPaused(spaId: string, conversationId: string, paused: boolean): Promise<boolean>;
  /** Maps the sender's own errors to HTTP ones. */
  mapError(error: unknown): HttpError | undefined;
}

export async function registerStaffApi(
  app: FastifyInstance,
  options: { db: Kysely<Database>; config: Config; texts: StaffTextHandlers; now?: Clock },
): Promise<void> {
  const { db, config, texts } = options;
  const now = options.now ?? systemClock;
  const staff = requireRole(db, 'staff');
  const owner = requireRole(db, 'owner');

  await app.register(
    async (api) => {
      api.addHook('preValidation', refuseNulCharacters);
      api.setValidatorCompiler(validatorCompiler);
      api.setSerializerCompiler(serializerCompiler);
      await api.register(rateLimit, {
        max: 300,
        timeWindow: '1 minute',
        // Per key (hashed, never the key itself), else per address.
        keyGenerator: (request: FastifyRequest) => {
          const auth = request.headers.authorization;
          return typeof auth === 'string' ? createHash('sha256').update(auth).digest('hex').slice(0, 32) : request.ip;
        },
        // Thrown by the plugin, so it goes through the one error handler like every other error.
        errorResponseBuilder: (_request, context) =>
          new HttpError(429, 'RATE_LIMITED', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s.`),
      });
      const r = api.withTypeProvider<ZodTypeProvider>();

      r.get('/conversations', {
        preHandler: staff,
        schema: { tags: ['conversations'], summary: 'Calls and text threads, newest first', querystring: conversationQuery },
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
          from: q.from,
          to: q.to,
          text: q.q,
          followUpNeeded: q.followUpNeeded === undefined ? undefined : q.followUpNeeded === 'true',
          maxSatisfaction: q.maxSatisfaction,
          cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
          limit: q.limit,
        });
        const last = rows.at(-1);
        return { data: rows, nextCursor: rows.length === q.limit && last ? encodeCursor(last.startedAt, last.id) : null };
      });

      r.get('/conversations/:id', {
        preHandler: staff,
        schema: { tags: ['conversations'], summary: 'One conversation: messages, events, call details, appointments', params: idParams },
      }, async (request) => {
        const detail = await conversationDetail(db, authorisedSpa(request), request.params.id);
        if (!detail) throw new HttpError(404, 'NOT_FOUND', 'No such conversation.');
        return detail;
      });

      r.post('/conversations/:id/messages', {
        preHandler: staff,
        schema: {
          tags: ['conversations'],
          summary: 'Text the patient as the spa; the receptionist pauses on this thread until handed back',
          params: idParams,
          body: z.object({ text: z.string().trim().min(1).max(1600) }).strict(),
        },
      }, async (request, reply) => {
        try {
          const result = await texts.send(authorisedSpa(request), request.params.id, request.body.text);
          return reply.status(201).send({ ...result, assistantPaused: true });
        } catch (error) {
          throw texts.mapError(error) ?? error;
        }
      });

      r.put('/conversations/:id/assistant', {
        preHandler: staff,
        schema: {
          tags: ['conversations'],
          summary: 'Pause the receptionist on a thread, or hand it back',
          params: idParams,
          body: z.object({ paused: z.boolean() }).strict(),
        },
      }, async (request) => {
        if (!(await texts.setPaused(authorisedSpa(request), request.params.id, request.body.paused)))
          throw new HttpError(404, 'NOT_FOUND', 'No such conversation.');
        return { assistantPaused: request.body.paused };
      });

      r.get('/customers', {
        preHandler: staff,
        schema: {
          tags: ['customers'],
          summary: 'Patients, by name or number',
          querystring: z.object({
            q: z.string().min(1).max(100).optional(),
            after: uuid.optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
        },
      }, async (request) => {
        const rows = await listCustomers(db, authorisedSpa(request), {
          search: request.query.q,
          after: request.query.after,
          limit: request.query.limit,
        });
        return { data: rows, nextAfter: rows.length === request.query.limit ? (rows.at(-1)?.id ?? null) : null };
      });

      r.get('/customers/:id', {
        preHandler: staff,
        schema: { tags: ['customers'], summary: 'A patient with their calls, texts and appointments', params: idParams },
      }, async (request) => {
        const timeline = await customerTimeline(db, authorisedSpa(request), request.params.id, now());
        if (!timeline) throw new HttpError(404, 'NOT_FOUND', 'No such customer.');
        return timeline;
      });

      r.patch('/customers/:id', {
        preHandler: staff,
        schema: {
          tags: ['customers'],
          summary: "Correct a patient's name, email or notes",
          params: idParams,
          body: z
            .object({
              name: z.string().min(1).max(100).nullable(),
              email: z.string().email().max(200).nullable(),
              notes: z.string().max(2000).nullable(),
            })
            .partial()
            .strict(),
        },
      }, async (request) => {
        const spaId = authorisedSpa(request);
        if (!(await updateCustomer(db, spaId, request.params.id, request.body))) throw new HttpError(404, 'NOT_FOUND', 'No such customer.');
        return (await customerTimeline(db, spaId, request.params.id, now()))?.customer;
      });

      r.get('/appointments', {
        preHandler: staff,
        schema: {
          tags: ['appointments'],
          summary: "Appointments in a date range (spa's time zone)",
          querystring: z.object({
            from: localDate,
            to: localDate,
            providerId: uuid.optional(),
            status: z.enum(['pending', 'confirmed', 'cancelled', 'completed', 'no_show']).optional(),
          }),
        },
      }, async (request) => {
        const spaId = authorisedSpa(request);
        const timezone = await spaTimezone(db, spaId);
        const bounds = await db
          .selectNoFrom((eb) => [
            eb.fn<Date>('timezone', [eb.val(timezone), eb.cast(eb.val(request.query.from), 'timestamp')]).as('from'),
            eb.fn<Date>('timezone', [eb.val(timezone), eb.cast(eb.val(`${request.query.to} 24:00`), 'timestamp')]).as('to'),
          ])
          .executeTakeFirstOrThrow();
        return {
          data: await listAppointments(db, spaId, {
            from: bounds.from,
            to: bounds.to,
            providerId: request.query.providerId,
            status: request.query.status,
          }),
        };
      });

      r.get('/messages-for-staff', {
        preHandler: staff,
        schema: {
          tags: ['messages for staff'],
          summary: 'Callback requests taken by the receptionist',
          querystring: z.object({ handled: z.enum(['true', 'false']).optional() }),
        },
      }, async (request) => ({
        data: await listStaffMessages(db, authorisedSpa(request), request.query.handled === undefined ? undefined : request.query.handled === 'true'),
      }));

      r.post('/messages-for-staff/:id/handled', {
        preHandler: staff,
        schema: { tags: ['messages for staff'], summary: 'Mark a callback request handled', params: idParams },
      }, async (request) => {
        const handled = await markStaffMessageHandled(db, authorisedSpa(request), request.params.id, `key:${request.apiKey?.keyId ?? ''}`);
        if (!handled) throw new HttpError(404, 'NOT_FOUND', 'No such message.');
        return { handled: true };
      });

      r.get('/calls/live', {
        preHandler: staff,
        schema: { tags: ['calls'], summary: 'Calls in progress right now, on every machine' },
      }, async (request) => ({ data: await listLiveCalls(db, authorisedSpa(request)) }));

      registerAnalyticsRoutes(r, { db, staff, now });

      r.get('/settings', {
        preHandler: staff,
        schema: { tags: ['settings'], summary: "The spa's receptionist settings" },
      }, async (request) => readSettings(db, authorisedSpa(request)));

      r.patch('/settings', {
        preHandler: owner,
        schema: { tags: ['settings'], summary: 'Change settings (owner); applied from the next call', body: settingsPatch },
      }, async (request) => {
        const spaId = authorisedSpa(request);
        try {
          await applySettings(db, spaId, request.body);
        } catch (error) {
          if (error instanceof SettingsError) throw new HttpError(400, 'VALIDATION_FAILED', error.message);
          throw error;
        }
        return readSettings(db, spaId);
      });

      r.get('/api-keys', {
        preHandler: owner,
        schema: { tags: ['api keys'], summary: "The spa's API keys (never the keys themselves)" },
      }, async (request) => ({
        data: await db
          .selectFrom('api_keys')
          .select(['id', 'name', 'role', 'prefix', 'created_at as createdAt', 'last_used_at as lastUsedAt', 'revoked_at as revokedAt'])
          .where('spa_id', '=', authorisedSpa(request))
          .orderBy('created_at')
          .execute(),
      }));

      r.post('/api-keys', {
        preHandler: owner,
        schema: {
          tags: ['api keys'],
          summary: 'Create a key; it is shown once',
          body: z.object({ name: z.string().min(1).max(100), role: z.enum(['owner', 'staff']) }).strict(),
        },
      }, async (request, reply) => {
        const created = await createApiKey(db, authorisedSpa(request), request.body.role, request.body.name);
        return reply.status(201).send({ id: created.id, key: created.key, role: request.body.role, name: request.body.name });
      });

      r.delete('/api-keys/:id', {
        preHandler: owner,
        schema: { tags: ['api keys'], summary: 'Revoke a key', params: idParams },
      }, async (request) => {
        if (!(await revokeApiKey(db, authorisedSpa(request), request.params.id))) throw new HttpError(404, 'NOT_FOUND', 'No such active key.');
        return { revoked: true };
      });

      // Bootstrap: ADMIN_API_KEY creates the first owner key of a spa.
      r.post('/admin/spas/:id/api-keys', {
        schema: {
          tags: ['admin'],
          summary: 'Create an owner or staff key for any spa (ADMIN_API_KEY)',
          params: idParams,
          body: z.object({ name: z.string().min(1).max(100), role: z.enum(['owner', 'staff']) }).strict(),
        },
      }, async (request, reply) => {
        const admin = config.adminApiKey;
        const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
        if (!admin || !given || !timingSafeEqualText(given, admin)) throw new HttpError(401, 'UNAUTHORIZED', 'The admin key is required.');
        const spa = await db.selectFrom('spas').select('id').where('id', '=', request.params.id).executeTakeFirst();
        if (!spa) throw new HttpError(404, 'NOT_FOUND', 'No such spa.');
        const created = await createApiKey(db, spa.id, request.body.role, request.body.name);
        return reply.status(201).send({ id: created.id, key: created.key, role: request.body.role, name: request.body.name });
      });
    },
    { prefix: '/api/v1' },
  );
}

function timingSafeEqualText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
