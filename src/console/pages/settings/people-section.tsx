import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { loadMe, type Me } from '../../app/session.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime } from '../../ui/format.js';
import { Badge, ErrorNote, Loaded, Panel } from '../../ui/states.js';
import { InviteForm } from './invite-form.js';
import { InvitesList } from './invites-list.js';
import { personLabel, type PersonRow } from './people-types.js';

/** People and invites: who can sign in, as what; invite someone, change a role, disable, sign someone out everywhere. */

type Action = 'make-owner' | 'make-staff' | 'disable' | 'enable' | 'sign-out';

const VERB: Record<Action, string> = {
  'make-owner': 'Make owner',
  'make-staff': 'Make staff',
  disable: 'Disable',
  enable: 'Enable',
  'sign-out': 'Sign out everywhere',
};

/** What asking for an action on someone means, in the words of the confirmation and the outcome. */
function describe(action: Action, who: string, self: boolean) {
  const you = self ? 'you' : who;
  switch (action) {
    case 'make-owner':
      return { ask: `Make ${you} an owner?`, done: `${self ? 'You are' : `${who} is`} now an owner.` };
    case 'make-staff':
      return {
        ask: self ? 'Make yourself staff? You lose Settings and Analytics at once.' : `Make ${who} staff?`,
        done: `${self ? 'You are' : `${who} is`} now staff.`,
      };
    case 'disable':
      return {
        ask: self ? 'Disable your own account? You are signed out at once.' : `Disable ${who}? They are signed out at once and cannot sign in.`,
        done: `${who} is disabled and signed out everywhere.`,
      };
    case 'enable':
      return { ask: `Enable ${you}?`, done: `${who} can sign in again.` };
    case 'sign-out':
      return {
        ask: self ? 'Sign yourself out on every device, this one included?' : `Sign ${who} out on every device?`,
        done: `${who} is signed out everywhere.`,
      };
  }
}

/** Actions that take effect without a second click: promotions and re-enabling someone else. */
const needsConfirm = (action: Action, self: boolean) => self || action === 'disable' || action === 'make-staff' || action === 'sign-out';

/** Keyboard focus back on a person's row once the confirmation it came from is gone. */
function focusRow(email: string) {
  requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`tr[data-person="${CSS.escape(email)}"] .row-actions button`)?.focus());
}

export function PeopleSection({ me }: { me: Me }) {
  const people = useLoad(async () => dataOf(await api.GET('/api/v1/people')).data, []);
  const invites = useLoad(async () => dataOf(await api.GET('/api/v1/invites')).data, []);
  const [confirming, setConfirming] = useState<{ id: string; action: Action }>();
  const [busy, setBusy] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<Error>();

  async function run(person: PersonRow, action: Action) {
    const self = person.id === me.person?.id;
    const words = describe(action, personLabel(person), self);
    setConfirming(undefined);
    setBusy(person.id);
    setError(undefined);
    setNotice(undefined);
    try {
      if (action === 'sign-out') {
        dataOf(await api.DELETE('/api/v1/people/{id}/sessions', { params: { path: { id: person.id } } }));
      } else {
        const body = action === 'make-owner' ? { role: 'owner' as const } : action === 'make-staff' ? { role: 'staff' as const } : { disabled: action === 'disable' };
        dataOf(await api.PATCH('/api/v1/people/{id}', { params: { path: { id: person.id } }, body }));
      }
      setNotice(words.done);
      people.reload();
      // A change to oneself changes what this console may show (or ends the session).
      if (self) await loadMe().catch(() => undefined);
    } catch (e) {
      setError(new Error(`${VERB[action]} ${self ? '(yourself)' : personLabel(person)}: ${(e as Error).message}`));
    }
    setBusy(undefined);
    focusRow(person.email);
  }

  function ask(person: PersonRow, action: Action) {
    const self = person.id === me.person?.id;
    if (needsConfirm(action, self)) setConfirming({ id: person.id, action });
    else void run(person, action);
  }

  return (
    <Panel title="People and invites" id="people">
      <p class="muted panel-intro">Owners see everything, including Settings and Analytics; staff run the front desk.</p>
      {notice && (
        <p class="form-saved notice" role="status">
          {notice}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      <Loaded state={people} what="Loading the people" empty={(rows) => rows.length === 0} emptyText="Nobody has an account yet: invite someone below.">
        {(rows) => (
          <div class="table-wrap">
            <table class="people-table">
              <caption class="skip-link">People who can sign in to the console</caption>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="hide-phone">
                    Last sign-in
                  </th>
                  <th scope="col">
                    <span class="skip-link">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((person) => {
                  const self = person.id === me.person?.id;
                  const label = personLabel(person);
                  const pending = confirming?.id === person.id ? confirming.action : undefined;
                  const actions: Action[] = [
                    person.role === 'owner' ? 'make-staff' : 'make-owner',
                    person.disabled ? 'enable' : 'disable',
                    ...(person.disabled ? [] : (['sign-out'] as Action[])),
                  ];
                  return (
                    <tr key={person.id} data-person={person.email}>
                      <td>
                        <div class="list-title">
                          {label} {self && <Badge tone="info">you</Badge>}
                        </div>
                        {person.name && <div class="muted">{person.email}</div>}
                      </td>
                      <td>{person.role === 'owner' ? 'Owner' : 'Staff'}</td>
                      <td>
                        {person.disabled ? (
                          <Badge tone="bad">Disabled</Badge>
                        ) : person.hasPassword ? (
                          <Badge tone="good">Active</Badge>
                        ) : (
                          <Badge tone="warn">No password yet</Badge>
                        )}
                      </td>
                      <td class="hide-phone nowrap">{person.lastSignInAt ? dayTime(person.lastSignInAt) : <span class="muted">never</span>}</td>
                      <td>
                        {pending ? (
                          <div class="row-actions confirm" role="group" aria-label={`Confirm for ${label}`}>
                            <span>{describe(pending, label, self).ask}</span>
                            <button
                              type="button"
                              class={`button button-small ${pending === 'disable' || self ? 'button-danger' : 'button-primary'}`}
                              onClick={() => void run(person, pending)}
                              ref={(el) => {
                                // Focus moves to the confirmation once, when it appears (not on every render).
                                if (el && !el.parentElement?.contains(document.activeElement)) el.focus();
                              }}
                            >
                              {VERB[pending]}
                            </button>
                            <button
                              type="button"
                              class="button button-small"
                              onClick={() => {
                                setConfirming(undefined);
                                focusRow(person.email);
                              }}
                            >
                              Cancel
                            </button>
                          </div>
                        ) : (
                          <div class="row-actions">
                            {actions.map((action) => (
                              <button
                                key={action}
                                type="button"
                                class={`button button-small${action === 'disable' ? ' button-danger' : ''}`}
                                disabled={busy === person.id}
                                aria-label={`${VERB[action]}: ${self ? `${label} (you)` : label}`}
                                onClick={() => ask(person, action)}
                              >
                                {VERB[action]}
                              </button>
                            ))}
                          </div>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <InviteForm onInvited={() => invites.reload()} />
      <InvitesList state={invites} />
    </Panel>
  );
}
