import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Clock } from '../../config/clock.js';
import type { Database } from '../../storage/schema.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The database every route reads through (queries live in storage/). */
    db: Kysely<Database>;
    /** The one clock calendar decisions are made by; tests fix it. */
    clock: Clock;
  }
}

export interface HttpServicesOptions {
  db: Kysely<Database>;
  clock: Clock;
}

/** What every route may use, as typed decorators on the root instance. */
const httpServices: FastifyPluginAsync<HttpServicesOptions> = async (app, options) => {
  app.decorate('db', options.db);
  app.decorate('clock', options.clock);
};

export default fp(httpServices, { name: 'http-services' });
