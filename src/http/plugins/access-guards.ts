import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiKeyUsage } from '../api-key-usage.js';
import { clientAddress, type ClientAddressPolicy } from '../client-address.js';
import { FAILED_AUTH_LIMIT, FailedAuthLimit, type FailedAuthLimits } from '../failed-auth-limit.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Failed authentication per client address (admin key, API keys, sessions, staff sign-in), in Postgres. */
    failedAuth: FailedAuthLimit;
    /** Failed sign-ins per email (known or not, so the limit tells nobody which emails exist), in Postgres. */
    signInLimit: FailedAuthLimit;
    /** Writes API keys' `lastUsedAt`, at most once a minute per key. */
    apiKeyUsage: ApiKeyUsage;
    /** Staff sessions' idle timeout and absolute lifetime, and whether their cookie is `Secure`. */
    staffSessions: StaffSessionPolicy;
  }
  interface FastifyRequest {
    /** The client's address from the trusted proxy only (Fly-Client-IP on Fly, else TRUSTED_PROXY_HOPS). */
    readonly clientAddress: string;
  }
}

export interface StaffSessionPolicy {
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly secureCookie: boolean;
}

/** Wrong passwords for one email before that email is refused for the rest of the window. */
export const SIGN_IN_LIMIT: FailedAuthLimits = { maxFailures: 5, windowMs: 15 * 60_000 };

export interface AccessGuardsOptions extends ClientAddressPolicy {
  failedAuth?: FailedAuthLimits;
  staffSessions: StaffSessionPolicy;
}

/** What every credential check shares: the client's real address, failed attempts per address, key use. */
const accessGuards: FastifyPluginAsync<AccessGuardsOptions> = async (app, options) => {
  const policy: ClientAddressPolicy = { onFly: options.onFly };
  app.decorateRequest('clientAddress', {
    getter(this: FastifyRequest) {
      return clientAddress(this, policy);
    },
  });
  // Shared by every machine through Postgres, on the app's clock (so a test can step past a lockout).
  const { db, clock } = app;
  app.decorate('failedAuth', new FailedAuthLimit({ ...(options.failedAuth ?? FAILED_AUTH_LIMIT), db, clock, kind: 'address' }));
  app.decorate('signInLimit', new FailedAuthLimit({ ...SIGN_IN_LIMIT, db, clock, kind: 'email' }));
  app.decorate('apiKeyUsage', new ApiKeyUsage(app.db, app.clock));
  app.decorate('staffSessions', options.staffSessions);
};

export default fp(accessGuards, { name: 'access-guards', dependencies: ['http-services'] });
