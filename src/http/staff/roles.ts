import type { StaffRole } from '../../storage/schema.js';

/**
 * What each role may do, computed here and never stored per row. A route names the access it
 * needs (`config.role`: 'staff' for the front desk's work, 'owner' for settings, people, keys and
 * the audit log); a role grants a set of them. A later role (say `provider`, who sees their own
 * schedule and patients) is one more entry here and one more name in the people table's check:
 * no existing row changes.
 */
export type RouteAccess = 'staff' | 'owner';

const GRANTS: Record<StaffRole, ReadonlySet<RouteAccess>> = {
  owner: new Set(['owner', 'staff']),
  staff: new Set(['staff']),
};

export const STAFF_ROLES: readonly StaffRole[] = ['owner', 'staff'];

export function roleAllows(role: StaffRole, access: RouteAccess): boolean {
  return GRANTS[role].has(access);
}

/** Who is making a request: an integration's API key or a signed-in person. */
export type Actor =
  | { kind: 'key'; keyId: string; spaId: string; role: StaffRole }
  | { kind: 'person'; personId: string; sessionId: string; spaId: string; role: StaffRole; email: string };

/** `person:<id>` or `key:<id>`: how records name who did something. */
export function actorLabel(actor: Actor): string {
  return actor.kind === 'person' ? `person:${actor.personId}` : `key:${actor.keyId}`;
}
