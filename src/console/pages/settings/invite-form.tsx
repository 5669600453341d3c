import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { dayTime } from '../../ui/format.js';
import { ErrorNote } from '../../ui/states.js';
import type { NewInvite } from './people-types.js';

/** Invite someone by email: the answer carries the one-time link, shown here once to copy (and texted when a phone is given). */
export function InviteForm({ onInvited }: { onInvited: () => void }) {
  const [created, setCreated] = useState<NewInvite & { phone?: string }>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    const phone = field('phone').replace(/[\s().-]/g, '');
    setBusy(true);
    setError(undefined);
    setCopied(false);
    try {
      const invite = dataOf(
        await api.POST('/api/v1/invites', {
          body: {
            email: field('email'),
            role: field('role') === 'owner' ? 'owner' : 'staff',
            ...(field('name') ? { name: field('name') } : {}),
            ...(phone ? { phone } : {}),
          },
        }),
      );
      setCreated({ ...invite, ...(phone ? { phone } : {}) });
      formElement.reset();
      onInvited();
    } catch (e) {
      setError(e as Error);
      setCreated(undefined);
    }
    setBusy(false);
  }

  async function copy(link: string) {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      // No clipboard permission (or not a secure context): select the text so Ctrl+C copies it.
      const input = document.getElementById('invite-link') as HTMLInputElement | null;
      input?.select();
    }
  }

  return (
    <div class="subsection">
      <h3 id="invite-heading">Invite someone</h3>
      <form class="form-grid invite-form" onSubmit={submit} aria-labelledby="invite-heading">
        <label class="field">
          <span>Email</span>
          <input name="email" type="email" required maxLength={320} autocomplete="off" />
        </label>
        <label class="field">
          <span>
            Name <span class="field-optional">(optional)</span>
          </span>
          <input name="name" maxLength={120} autocomplete="off" />
        </label>
        <div class="field">
          <label for="invite-role">Role</label>
          <select id="invite-role" name="role">
            <option value="staff">Staff: the front desk</option>
            <option value="owner">Owner: everything, with Settings</option>
          </select>
        </div>
        <label class="field">
          <span>
            Text the link to <span class="field-optional">(optional)</span>
          </span>
          <input
            name="phone"
            type="tel"
            autocomplete="off"
            pattern="\+[1-9][\d\s().-]{6,20}"
            placeholder="+12025550123"
            aria-describedby="invite-phone-hint"
          />
          <span class="field-hint" id="invite-phone-hint">
            With the country code, e.g. +1 202 555 0123.
          </span>
        </label>
        <div class="form-actions form-grid-full">
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create invite'}
          </button>
        </div>
      </form>
      {error && <ErrorNote error={error} />}
      {created && (
        <div class="invite-result" role="status">
          <p class="invite-result-title">
            Invite for <strong>{created.email}</strong> as {created.role === 'owner' ? 'an owner' : 'staff'}. The link works once, until{' '}
            <strong>{dayTime(created.expiresAt)}</strong>, and is shown only now.
          </p>
          <div class="copy-row">
            <label class="skip-link" for="invite-link">
              Invite link
            </label>
            <input id="invite-link" class="secret-input" readOnly value={created.link} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
            <button type="button" class="button" onClick={() => void copy(created.link)}>
              {copied ? 'Copied' : 'Copy link'}
            </button>
          </div>
          {created.phone && (
            <p class="muted invite-result-text">
              {created.texted
                ? `Also texted to ${created.phone}.`
                : `Not texted to ${created.phone}: texting is not set up or the text failed. Send the link yourself.`}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
