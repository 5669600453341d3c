import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { installErrorHandlers } from './http/errors.js';
import { registerHealthRoutes } from './http/health.js';
import type { DatabaseHandle } from './storage/database.js';

export interface AppDependencies {
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
}

export interface App {
  fastify: FastifyInstance;
  /** Stop taking new work (readiness fails); live calls carry on until closed. */
  startDraining(): void;
  close(): Promise<void>;
}

/** Composition root: builds the whole service from its parts. Tests build it too, against a fresh database. */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const { database, logger } = deps;
  let draining = false;

  // Typed as Fastify's logger so the instance keeps the default generics every plugin expects.
  const loggerInstance: FastifyBaseLogger = logger;
  const fastify = Fastify({
    loggerInstance,
    disableRequestLogging: false,
    bodyLimit: 1024 * 1024,
    trustProxy: true,
  });
  installErrorHandlers(fastify);
  await fastify.register(formbody);

  registerHealthRoutes(fastify, database.db, { isDraining: () => draining });

  await fastify.ready();
  return {
    fastify,
    startDraining() {
      draining = true;
    },
    close: () => fastify.close(),
  };
}
