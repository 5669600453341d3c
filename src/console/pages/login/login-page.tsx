import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import { navigate } from '../../app/router.js';
import { signIn, useMe } from '../../app/session.js';

/** Where the console starts: email and password (the browser's password manager fills them), or Google when the spa has it. */

/** Only a path inside the console: never an address elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/console/') && !next.startsWith('/console/login') ? next : '/console/';
}

/** Why a Google sign-in came back here (the service's `error` codes), in words for the person. */
const GOOGLE_PROBLEMS: Record<string, string> = {
  google_state: 'That Google sign-in expired or was started in another browser. Please try again.',
  google_cancelled: 'Google sign-in was cancelled.',
  google_failed: 'Google sign-in did not complete. Please try again.',
  google_unverified: 'Google has not verified that email address, so it cannot be used to sign in.',
  google_no_account: "There is no active account for that Google address. Ask the spa's owner for an invite, or sign in with your password.",
  google_unavailable: 'Sign in with Google is not set up here. Sign in with your email and password.',
  google_rate_limited: 'Too many failed sign-ins from this network. Please wait a few minutes and try again.',
};

export function LoginPage({ next, problem }: { next: string | null; problem: string | null }) {
  const me = useMe();
  const [error, setError] = useState<string | undefined>(problem ? (GOOGLE_PROBLEMS[problem] ?? 'Sign-in did not complete. Please try again.') : undefined);
  const [busy, setBusy] = useState(false);
  const [google, setGoogle] = useState<string>();

  useEffect(() => {
    document.title = 'Sign in · Receptionist console';
    if (me) navigate(safeNext(next), { replace: true });
  }, [me]);

  useEffect(() => {
    // "Sign in with Google" only where the service has a Google sign-in configured.
    api
      .GET('/api/v1/session/methods')
      .then((r) => r.data?.google && setGoogle(`/api/v1/session/google?next=${encodeURIComponent(safeNext(next))}`))
      .catch(() => undefined);
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    const problem = await signIn(String(form.get('email') ?? ''), String(form.get('password') ?? '')).catch(
      () => 'The service could not be reached. Check the connection and try again.',
    );
    setBusy(false);
    if (problem) setError(problem);
    else navigate(safeNext(next), { replace: true });
  }

  return (
    <main class="login" id="main">
      <form class="login-card" onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <h1>Sign in</h1>
        <p class="muted">The front desk and owners of the spa.</p>
        {error && (
          <p class="form-error" id="login-error" role="alert">
            {error}
          </p>
        )}
        <label class="field">
          <span>Email</span>
          <input name="email" type="email" autocomplete="username" required autoFocus />
        </label>
        <label class="field">
          <span>Password</span>
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit" class="button button-primary button-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {google && (
          <a class="button button-wide" href={google}>
            Sign in with Google
          </a>
        )}
      </form>
    </main>
  );
}
