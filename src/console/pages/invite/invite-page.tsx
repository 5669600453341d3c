import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { loadMe } from '../../app/session.js';
import { navigate } from '../../app/router.js';

/**
 * Where an invite link lands: /console/invite#token=…. The token stays after `#` (never sent to a
 * server log); the person chooses a password (and may give their name), the API takes the invite
 * and signs them in, and the console opens on Today. Where Google sign-in is offered, signing in
 * with Google as the invited address takes the invite too.
 */

const MIN_PASSWORD_LENGTH = 10;

const KEPT = 'console-invite-token';

/** The token from the link, kept for this tab so a reload after it left the address bar still works. */
function tokenFromHash(): string | undefined {
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromLink && fromLink.length >= 20) {
    sessionStorage.setItem(KEPT, fromLink);
    return fromLink;
  }
  return sessionStorage.getItem(KEPT) ?? undefined;
}

export function InvitePage() {
  const [token] = useState(tokenFromHash);
  const [error, setError] = useState<{ message: string; final: boolean }>();
  const [busy, setBusy] = useState(false);
  const [google, setGoogle] = useState(false);

  useEffect(() => {
    document.title = 'Accept your invite · Receptionist console';
    // Drop the token from the address bar (and so from history) once it is read.
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
    api
      .GET('/api/v1/session/methods')
      .then((r) => setGoogle(Boolean(r.data?.google)))
      .catch(() => undefined);
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    if (!token) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(form.get('password') ?? '');
    const name = String(form.get('name') ?? '').trim();
    if (password !== String(form.get('confirm') ?? '')) {
      setError({ message: 'The two passwords differ; type the same password twice.', final: false });
      return;
    }
    setBusy(true);
    setError(undefined);
    const result = await api
      .POST('/api/v1/invites/accept', { body: { token, password, ...(name ? { name } : {}) } })
      .catch(() => undefined);
    if (!result) {
      setBusy(false);
      setError({ message: 'The service could not be reached. Check the connection and try again.', final: false });
      return;
    }
    const status = result.response.status;
    if (status === 204) {
      sessionStorage.removeItem(KEPT);
      await loadMe();
      navigate('/', { replace: true });
      return;
    }
    if (status === 410) sessionStorage.removeItem(KEPT);
    const body = result.error as { error?: { message?: string } } | undefined;
    setError({ message: body?.error?.message ?? `The invite could not be taken (${status}).`, final: status === 410 });
    setBusy(false);
  }

  if (!token || error?.final) {
    return (
      <main class="login" id="main">
        <div class="login-card">
          <h1>{token ? 'This invite cannot be used' : 'This invite link is incomplete'}</h1>
          <p role="alert" class="form-error">
            {error?.message ?? 'The link has no token: open it exactly as it was sent, or ask the owner for a new invite.'}
          </p>
          <a class="button button-wide" href="/console/login">
            Go to sign-in
          </a>
        </div>
      </main>
    );
  }

  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={submit} aria-describedby={error ? 'invite-error' : 'invite-intro'}>
        <h1>Welcome to the console</h1>
        <p class="muted" id="invite-intro">
          You have been invited to the spa's staff console. Choose a password to finish; you stay signed in on this browser.
        </p>
        {error && (
          <p class="form-error" id="invite-error" role="alert">
            {error.message}
          </p>
        )}
        <label class="field">
          <span>
            Your name <span class="field-optional">(optional)</span>
          </span>
          <input name="name" autocomplete="name" maxLength={120} />
        </label>
        <label class="field">
          <span>New password</span>
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={200}
            aria-describedby="password-hint"
            autoFocus
          />
          <span class="field-hint" id="password-hint">
            At least {MIN_PASSWORD_LENGTH} characters; a few unrelated words work well.
          </span>
        </label>
        <label class="field">
          <span>Password again</span>
          <input name="confirm" type="password" autocomplete="new-password" required minLength={MIN_PASSWORD_LENGTH} maxLength={200} />
        </label>
        <button type="submit" class="button button-primary button-wide" disabled={busy}>
          {busy ? 'Setting up…' : 'Set password and sign in'}
        </button>
        {google && (
          <a class="button button-wide" href="/api/v1/session/google?next=%2Fconsole%2F">
            Sign in with Google instead
          </a>
        )}
      </form>
    </main>
  );
}
