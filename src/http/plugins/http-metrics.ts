import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../observability/metrics.js';

/**
 * Every answered request is timed by method, route pattern (`/api/v1/conversations/:id`, never the
 * path with its ids or query) and status code. Requests no route matched share one label.
 */
const httpMetrics: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
};

export default fp(httpMetrics, { name: 'http-metrics' });
