import type { paths } from '../../api/schema.js';

/** Names for the answers of the people, invites, sessions and audit-log routes, from the generated OpenAPI types. */

type Answer<P extends keyof paths, M extends 'get' | 'post' | 'patch' | 'delete', S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type PersonRow = Answer<'/api/v1/people', 'get'>['data'][number];
export type InviteRow = Answer<'/api/v1/invites', 'get'>['data'][number];
export type NewInvite = Answer<'/api/v1/invites', 'post', 201>;
export type MySession = Answer<'/api/v1/me/sessions', 'get'>['data'][number];
export type AuditEvent = Answer<'/api/v1/audit-events', 'get'>['data'][number];
export type AuditQuery = NonNullable<paths['/api/v1/audit-events']['get']['parameters']['query']>;
export type ApiKeyRow = Answer<'/api/v1/api-keys', 'get'>['data'][number];

/** How a person is called on screen: their name, else their email. */
export const personLabel = (p: { name: string | null; email: string }) => p.name ?? p.email;
