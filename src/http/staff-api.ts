import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { requireApiKey } from './auth.js';
import { HttpError } from './errors.js';
import { refuseNulCharacters } from './nul-characters.js';
import adminRoutes from './routes/admin.js';
import analyticsRoutes from './routes/analytics.js';
import apiKeyRoutes from './routes/api-keys.js';
import appointmentRoutes from './routes/appointments.js';
import callRoutes from './routes/calls.js';
import conversationRoutes, { type StaffTextHandlers } from './routes/conversations.js';
import customerRoutes from './routes/customers.js';
import settingsRoutes from './routes/settings.js';
import staffMessageRoutes from './routes/staff-messages.js';

export type { StaffTextHandlers } from './routes/conversations.js';

export interface StaffApiOptions {
  texts: StaffTextHandlers;
  /** ADMIN_API_KEY: bootstraps a spa's first owner key; unset, the admin routes refuse everyone. */
  adminApiKey: string | undefined;
}

/**
 * The staff REST API (registered under /api/v1): zod-validated, NUL-free, rate limited per key.
 * Keyed routes sit in one scope whose hook checks the API key once (staff unless a route asks for
 * `config.role: 'owner'`), so every one of them is scoped to the key's spa; the admin bootstrap
 * has a scope and key check of its own.
 */
const staffApi: FastifyPluginAsync<StaffApiOptions> = async (api, options) => {
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

  await api.register(async (keyed) => {
    keyed.addHook('preHandler', requireApiKey(api.db, 'staff'));
    await keyed.register(conversationRoutes, { texts: options.texts });
    await keyed.register(customerRoutes);
    await keyed.register(appointmentRoutes);
    await keyed.register(staffMessageRoutes);
    await keyed.register(callRoutes);
    await keyed.register(analyticsRoutes);
    await keyed.register(settingsRoutes);
    await keyed.register(apiKeyRoutes);
  });
  await api.register(adminRoutes, { adminApiKey: options.adminApiKey });
};

export default fp(staffApi, { name: 'staff-api', dependencies: ['http-services', 'api-docs', 'error-handler'], encapsulate: true });
