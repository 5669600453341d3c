import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { Loaded as LoadState } from '../../app/use-load.js';
import { dayTime } from '../../ui/format.js';
import { Badge, ErrorNote, Loaded } from '../../ui/states.js';
import type { InviteRow } from './people-types.js';

/** The spa's invites: pending ones with "Withdraw"; used, expired and withdrawn ones folded away. */

const STATUS: Record<InviteRow['status'], { label: string; tone: 'good' | 'warn' | 'neutral' | 'info' }> = {
  pending: { label: 'Pending', tone: 'info' },
  used: { label: 'Accepted', tone: 'good' },
  expired: { label: 'Expired', tone: 'warn' },
  revoked: { label: 'Withdrawn', tone: 'neutral' },
};

function InviteTable({ rows, onRevoke, busy }: { rows: InviteRow[]; onRevoke?: (invite: InviteRow) => void; busy?: string }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col" class="hide-phone">
              Sent
            </th>
            <th scope="col">Expires</th>
            {onRevoke && (
              <th scope="col">
                <span class="skip-link">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((invite) => (
            <tr key={invite.id}>
              <td>
                {invite.email}
                {invite.name && <div class="muted">{invite.name}</div>}
              </td>
              <td>{invite.role === 'owner' ? 'Owner' : 'Staff'}</td>
              <td>
                <Badge tone={STATUS[invite.status].tone}>{STATUS[invite.status].label}</Badge>
              </td>
              <td class="hide-phone nowrap">{dayTime(invite.createdAt)}</td>
              <td class="nowrap">{dayTime(invite.expiresAt)}</td>
              {onRevoke && (
                <td>
                  <button
                    type="button"
                    class="button button-small button-danger"
                    disabled={busy === invite.id}
                    aria-label={`Withdraw the invite for ${invite.email}`}
                    onClick={() => onRevoke(invite)}
                  >
                    Withdraw
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function InvitesList({ state }: { state: LoadState<InviteRow[]> }) {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<Error>();
  async function revoke(invite: InviteRow) {
    setBusy(invite.id);
    setError(undefined);
    try {
      dataOf(await api.DELETE('/api/v1/invites/{id}', { params: { path: { id: invite.id } } }));
      state.reload();
    } catch (e) {
      setError(new Error(`Withdraw the invite for ${invite.email}: ${(e as Error).message}`));
    }
    setBusy(undefined);
  }
  return (
    <div class="subsection">
      <h3>Pending invites</h3>
      {error && <ErrorNote error={error} />}
      <Loaded state={state} what="Loading the invites">
        {(rows) => {
          const pending = rows.filter((i) => i.status === 'pending');
          const past = rows.filter((i) => i.status !== 'pending');
          return (
            <>
              {pending.length === 0 ? (
                <p class="state state-empty">No invites waiting to be accepted.</p>
              ) : (
                <InviteTable rows={pending} onRevoke={(invite) => void revoke(invite)} {...(busy ? { busy } : {})} />
              )}
              {past.length > 0 && (
                <details class="past-invites">
                  <summary>Earlier invites ({past.length})</summary>
                  <InviteTable rows={past} />
                </details>
              )}
            </>
          );
        }}
      </Loaded>
    </div>
  );
}
