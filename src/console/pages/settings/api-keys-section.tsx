import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime } from '../../ui/format.js';
import { Badge, ErrorNote, Loaded, Panel } from '../../ui/states.js';

/** The spa's API keys: create one (shown once), revoke one. */
export function ApiKeysSection() {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/api-keys')).data, []);
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState<Error>();
  async function create(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setError(undefined);
    try {
      const key = dataOf(
        await api.POST('/api/v1/api-keys', { body: { name: String(form.get('name')), role: form.get('role') === 'owner' ? 'owner' : 'staff' } }),
      ) as unknown as { key?: string };
      setCreated(key.key);
      (event.currentTarget as HTMLFormElement | null)?.reset();
      state.reload();
    } catch (e) {
      setError(e as Error);
    }
  }
  async function revoke(id: string) {
    try {
      dataOf(await api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } }));
      state.reload();
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <Panel title="API keys" id="api-keys">
      <Loaded state={state} empty={(rows) => rows.length === 0} emptyText="No API keys yet.">
        {(rows) => (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Key</th>
                  <th scope="col" class="hide-phone">
                    Last used
                  </th>
                  <th scope="col">
                    <span class="skip-link">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td>{k.role}</td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td class="hide-phone">{k.lastUsedAt ? dayTime(k.lastUsedAt) : 'never'}</td>
                    <td>
                      {k.revokedAt ? (
                        <Badge>revoked</Badge>
                      ) : (
                        <button type="button" class="button button-small button-danger" onClick={() => revoke(k.id)} aria-label={`Revoke ${k.name}`}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      {created && (
        <p class="secret" role="status">
          New key (shown only now): {created}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      <form class="filters" onSubmit={create} style="margin-top:12px;margin-bottom:0">
        <label class="field">
          <span>New key's name</span>
          <input name="name" required maxLength={100} />
        </label>
        <label class="field">
          <span>Role</span>
          <select name="role">
            <option value="staff">Staff</option>
            <option value="owner">Owner</option>
          </select>
        </label>
        <button type="submit" class="button">
          Create key
        </button>
      </form>
    </Panel>
  );
}
