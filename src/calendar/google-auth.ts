import { auth, calendar, type calendar_v3 } from '@googleapis/calendar';
import type { Config } from '../config/config.js';

/**
 * The narrowest scopes for what we call (Calendar API v3 reference, per method): `freebusy.query`
 * accepts `calendar.freebusy` (not `calendar.events`); `events.insert`, `patch` and `delete`
 * accept `calendar.events` (`calendar.events.owned` would refuse calendars merely shared with the
 * owner, such as a provider's). Not the full `calendar` scope (sharing, deleting calendars).
 */
export const CALENDAR_SCOPES = ['https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/calendar.freebusy'];

/** Consent also asks who is signing in (`openid email`), so the owner confirms which account connects. */
export const CONSENT_SCOPES = ['openid', 'email', ...CALENDAR_SCOPES];

type OAuth2Client = InstanceType<typeof auth.OAuth2>;
type JwtClient = InstanceType<typeof auth.JWT>;

/**
 * Google endpoints. GOOGLE_API_ROOT_URL moves all of them (tests point it at the fake Google);
 * otherwise the real ones.
 */
export function googleEndpoints(config: Config) {
  const root = config.google.apiRootUrl?.replace(/\/+$/, '');
  return {
    apiRoot: root ? `${root}/` : undefined,
    tokenUrl: root ? `${root}/token` : undefined,
    authBaseUrl: root ? `${root}/o/oauth2/v2/auth` : undefined,
    /** Google's signing certificates for ID tokens (PEM, and the JWK set). */
    pemCertsUrl: root ? `${root}/oauth2/v1/certs` : undefined,
    jwkCertsUrl: root ? `${root}/oauth2/v3/certs` : undefined,
  };
}

export function oauthClient(config: Config, redirectUri?: string): OAuth2Client {
  const endpoints = googleEndpoints(config);
  return new auth.OAuth2({
    clientId: config.google.clientId,
    clientSecret: config.google.clientSecret,
    ...(redirectUri ? { redirectUri } : {}),
    ...(endpoints.tokenUrl && endpoints.authBaseUrl && endpoints.pemCertsUrl && endpoints.jwkCertsUrl
      ? {
          endpoints: {
            oauth2TokenUrl: endpoints.tokenUrl,
            oauth2AuthBaseUrl: endpoints.authBaseUrl,
            oauth2FederatedSignonPemCertsUrl: endpoints.pemCertsUrl,
            oauth2FederatedSignonJwkCertsUrl: endpoints.jwkCertsUrl,
          },
        }
      : {}),
  });
}

/** Service accounts sign a JWT for Google's token endpoint (gtoken always uses the real one). */
export function serviceAccountClient(key: { client_email: string; private_key: string }): JwtClient {
  return new auth.JWT({ email: key.client_email, key: key.private_key, scopes: CALENDAR_SCOPES });
}

export function calendarClient(config: Config, authClient: OAuth2Client | JwtClient): calendar_v3.Calendar {
  const { apiRoot } = googleEndpoints(config);
  return calendar({ version: 'v3', auth: authClient, ...(apiRoot ? { rootUrl: apiRoot } : {}) });
}
