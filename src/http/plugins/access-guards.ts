import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeyUsage } from '../api-key-usage.js';
import { clientAddress, type ClientAddressPolicy } from '../client-address.js';
import { FAILED_AUTH_LIMIT, FailedAuthLimit, type FailedAuthLimitOptions } from '../failed-auth-limit.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Failed authentication per client address (admin key, API keys, staff sign-in). */
    failedAuth: FailedAuthLimit;
    /** Writes API keys' `lastUsedAt`, at most once a minute per key. */
    apiKeyUsage: ApiKeyUsage;
  }
  interface FastifyRequest {
    /** The client's address from the trusted proxy only (Fly-Client-IP on Fly, else TRUSTED_PROXY_HOPS). */
    readonly clientAddress: string;
  }
}

export interface AccessGuardsOptions extends ClientAddressPolicy {
  failedAuth?: FailedAuthLimitOptions;
}

/** What every credential check shares: the client's real address, failed attempts per address, key use. */
const accessGuards: FastifyPluginAsync<AccessGuardsOptions> = async (app, options) => {
  const policy: ClientAddressPolicy = { onFly: options.onFly };
  app.decorateRequest('clientAddress', {
    getter(this: FastifyRequest) {
      return clientAddress(this, policy);
    },
  });
  app.decorate('failedAuth', new FailedAuthLimit(options.failedAuth ?? FAILED_AUTH_LIMIT));
  app.decorate('apiKeyUsage', new ApiKeyUsage(app.db, app.clock));
};

export default fp(accessGuards, { name: 'access-guards', dependencies: ['http-services'] });
