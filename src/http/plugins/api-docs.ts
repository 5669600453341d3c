import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export interface ApiDocsOptions {
  publicBaseUrl: string;
}

/** OpenAPI generated from the routes' zod schemas, browsable at /docs. Register before the routes. */
const apiDocs: FastifyPluginAsync<ApiDocsOptions> = async (app, { publicBaseUrl }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Med spa receptionist: staff API',
        description:
          'Call logs, transcripts, patients, appointments, analytics and settings for one spa. ' +
          'Authenticate with `Authorization: Bearer <API key>`; errors are `{error: {code, message}}`.',
        version: '1.0.0',
      },
      servers: [{ url: publicBaseUrl }],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    // Only the staff API is documented; Twilio's webhooks are not for people.
    hideUntagged: true,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
};

export default fp(apiDocs, { name: 'api-docs' });
