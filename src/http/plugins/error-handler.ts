import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { installErrorHandlers } from '../errors.js';

/** The one error handler and the not-found answer, for every route; register before any route. */
const errorHandler: FastifyPluginAsync = async (app) => installErrorHandlers(app);

export default fp(errorHandler, { name: 'error-handler' });
