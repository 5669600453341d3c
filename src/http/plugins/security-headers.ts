import helmet from '@fastify/helmet';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface SecurityHeadersOptions {
  publicBaseUrl: string;
}

/** A year: the usual HSTS lifetime once a site is https only. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Security headers on every response (helmet): `nosniff`; a content security policy that lets
 * nothing frame our pages (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for old browsers)
 * and lets pages load scripts only from us (the /docs UI loads all of its own from /docs/static);
 * HSTS and upgrading sub-requests only when PUBLIC_BASE_URL is https, since over plain http (a
 * laptop) they would lock the browser out. Register before the routes.
 */
const securityHeaders: FastifyPluginAsync<SecurityHeadersOptions> = async (app, { publicBaseUrl }) => {
  const https = publicBaseUrl.startsWith('https://');
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    // Not includeSubDomains: the spa's other subdomains are not ours to decide for.
    strictTransportSecurity: https ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false } : false,
  });
};

export default fp(securityHeaders, { name: 'security-headers' });
