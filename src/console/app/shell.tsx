import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { closeLiveUpdates } from './live.js';
import { href, navigate } from './router.js';
import { signOut, type Me } from './session.js';

/** The frame around every signed-in page: the spa, the navigation (owner pages for owners), the person. */

const PAGES = [
  { path: '/', label: 'Today' },
  { path: '/conversations', label: 'Conversations' },
  { path: '/patients', label: 'Patients' },
  { path: '/appointments', label: 'Appointments' },
  { path: '/test-call', label: 'Test call' },
  { path: '/analytics', label: 'Analytics', owner: true },
  { path: '/settings', label: 'Settings', owner: true },
];

export function Shell({ me, path, title, children }: { me: Me; path: string; title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · ${me.spa.name}`;
  }, [title, me.spa.name]);
  const section = '/' + (path.split('/')[1] ?? '');
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            ◐
          </span>
          <span class="brand-name">{me.spa.name}</span>
        </div>
        <nav aria-label="Console">
          <ul class="nav">
            {PAGES.filter((p) => !p.owner || me.role === 'owner').map((p) => (
              <li key={p.path}>
                <a href={href(p.path)} aria-current={section === p.path ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span class="who-name">
            {me.person?.name ?? me.person?.email ?? 'API key'} <span class="who-role">{me.role}</span>
          </span>
          <button
            type="button"
            class="button button-quiet"
            onClick={async () => {
              closeLiveUpdates();
              await signOut();
              navigate('/login', { replace: true });
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 class="page-title">{title}</h1>
        {children}
      </main>
    </div>
  );
}
