import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { navigate } from '../../app/router.js';
import { loadMe } from '../../app/session.js';

/**
 * Where an invite link lands (/console/invite#token=…): the invited person picks a password (and
 * their name) and is signed in. The token is read from the fragment, which no server or Referer
 * ever sees, and taken out of the address bar at once. Where Google sign-in is offered, signing
 * in with Google as the invited address takes the invite too.
 */

function tokenFromFragment(): string | undefined {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  return token && /^[\w-]{20,200}$/.test(token) ? token : undefined;
}

export function InvitePage() {
  const [token] = useState(tokenFromFragment);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [google, setGoogle] = useState(false);

  useEffect(() => {
    document.title = 'Accept your invite · Receptionist console';
    // Out of the address bar and history: the link works once and is nobody else's.
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
    const name = String(form.get('name') ?? '').trim();
    setBusy(true);
    setError(undefined);
    const result = await api
      .POST('/api/v1/invites/accept', { body: { token, password: String(form.get('password') ?? ''), ...(name ? { name } : {}) } })
      .catch(() => undefined);
    setBusy(false);
    if (!result) return setError('The service could not be reached. Check the connection and try again.');
    if (result.response.status === 204) {
      await loadMe();
      return navigate('/', { replace: true });
    }
    const body = result.error as { error?: { message?: string } } | undefined;
    setError(body?.error?.message ?? `The invite could not be accepted (${result.response.status}).`);
  }

  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={submit} aria-describedby={error ? 'invite-error' : undefined}>
        <h1>Accept your invite</h1>
        {!token ? (
          <p class="form-error" role="alert">
            This invite link is incomplete. Open the whole link you were sent, or ask the spa's owner for a new one.
          </p>
        ) : (
          <>
            <p class="muted">Choose a password for the spa's staff console. The link works once, within 48 hours of the invite.</p>
            {error && (
              <p class="form-error" id="invite-error" role="alert">
                {error}
              </p>
            )}
            <label class="field">
              <span>Your name</span>
              <input name="name" type="text" autocomplete="name" maxLength={120} />
            </label>
            <label class="field">
              <span>New password</span>
              <input name="password" type="password" autocomplete="new-password" required minLength={10} maxLength={200} aria-describedby="password-hint" />
              <span class="field-hint" id="password-hint">
                At least 10 characters, and not a common password.
              </span>
            </label>
            <button type="submit" class="button button-primary button-wide" disabled={busy}>
              {busy ? 'Setting up…' : 'Set password and sign in'}
            </button>
            {google && (
              <a class="button button-wide" href="/api/v1/session/google?next=%2Fconsole%2F">
                Sign in with Google instead
              </a>
            )}
          </>
        )}
        <p class="muted">
          Already have an account? <a href="/console/login">Sign in</a>
        </p>
      </form>
    </main>
  );
}
