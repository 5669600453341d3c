import { useEffect, useState } from 'preact/hooks';
import { useCsrfToken } from '../api/client.js';

/** Who is signed in (GET /api/v1/me), shared by every page; `null` when nobody is. */

export interface Me {
  person: { id: string; email: string; name: string | null; role: 'owner' | 'staff' } | null;
  spa: { id: string; name: string; timezone: string | null };
  role: 'owner' | 'staff';
  csrfToken: string | null;
}

let me: Me | null | undefined;
const listeners = new Set<() => void>();

function set(next: Me | null): void {
  me = next;
  useCsrfToken(next?.csrfToken ?? undefined);
  for (const listener of listeners) listener();
}

export async function loadMe(): Promise<Me | null> {
  const response = await fetch('/api/v1/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) {
    set(null);
    return null;
  }
  if (!response.ok) throw new Error(`Could not check who is signed in (${response.status}).`);
  const body = (await response.json()) as Me;
  set(body);
  return body;
}

export async function signIn(email: string, password: string): Promise<string | undefined> {
  const response = await fetch('/api/v1/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status === 204) {
    await loadMe();
    return undefined;
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  return response.status === 401 ? 'That email and password do not match an account.' : (body.error?.message ?? `Sign-in failed (${response.status}).`);
}

export async function signOut(): Promise<void> {
  await fetch('/api/v1/session', {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: me?.csrfToken ? { 'x-csrf-token': me.csrfToken } : {},
  }).catch(() => undefined);
  set(null);
}

export function signedOut(): void {
  set(null);
}

/** The signed-in person: undefined while the first check runs. */
export function useMe(): Me | null | undefined {
  const [value, setValue] = useState(me);
  useEffect(() => {
    const update = () => setValue(me);
    listeners.add(update);
    if (me === undefined) loadMe().catch(() => set(null));
    return () => void listeners.delete(update);
  }, []);
  return value;
}
