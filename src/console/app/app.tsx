import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { setSpaTimeZone } from '../ui/format.js';
import { whenSignedOut } from '../api/client.js';
import { AnalyticsPage } from '../pages/analytics/analytics-page.js';
import { AppointmentsPage } from '../pages/appointments/appointments-page.js';
import { ConversationPage } from '../pages/conversation/conversation-page.js';
import { ConversationsPage } from '../pages/conversations/conversations-page.js';
import { InvitePage } from '../pages/invite/invite-page.js';
import { LoginPage } from '../pages/login/login-page.js';
import { PatientPage } from '../pages/patients/patient-page.js';
import { PatientsPage } from '../pages/patients/patients-page.js';
import { SettingsPage } from '../pages/settings/settings-page.js';
import { TodayPage } from '../pages/today/today-page.js';
import { TestCallPage } from '../test-call/test-call-page.js';
import { Loading } from '../ui/states.js';
import { match, navigate, useLocation } from './router.js';
import { signedOut, useMe, type Me } from './session.js';
import { Shell } from './shell.js';

/** Which page a path shows, its title, and whether only owners may open it. */
function route(path: string, me: Me) {
  let params: Record<string, string> | undefined;
  if (path === '/' || path === '') return { title: 'Today', page: <TodayPage me={me} /> };
  if (path === '/conversations') return { title: 'Conversations', page: <ConversationsPage /> };
  if ((params = match('/conversations/:id', path))) return { title: 'Conversation', page: <ConversationPage id={params.id ?? ''} /> };
  if (path === '/patients') return { title: 'Patients', page: <PatientsPage /> };
  if ((params = match('/patients/:id', path))) return { title: 'Patient', page: <PatientPage id={params.id ?? ''} /> };
  if (path === '/appointments') return { title: 'Appointments', page: <AppointmentsPage /> };
  if (path === '/test-call') return { title: 'Test call', page: <TestCallPage /> };
  if (path === '/analytics') return { title: 'Analytics', page: <AnalyticsPage />, owner: true };
  if (path === '/settings' || path.startsWith('/settings/')) return { title: 'Settings', page: <SettingsPage me={me} />, owner: true };
  return { title: 'Not found', page: <p class="state">There is no page at this address. <a href="/console/">Go to Today</a>.</p> };
}

export function App() {
  const location = useLocation();
  const me = useMe();
  const onLogin = location.path === '/login';
  // The invite page is for people without an account yet: no sign-in required.
  const onInvite = location.path === '/invite';

  useEffect(() => {
    whenSignedOut(() => {
      signedOut();
      const here = window.location.pathname + window.location.search;
      if (!here.startsWith('/console/login')) navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    });
  }, []);

  useEffect(() => {
    // Signed-out visitors land on the sign-in page, which brings them back here afterwards.
    if (me === null && !onLogin && !onInvite) {
      const here = window.location.pathname + window.location.search;
      navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
    }
  }, [me, onLogin, onInvite]);

  const [zoneKnown, setZoneKnown] = useState(false);
  useEffect(() => {
    if (!me || zoneKnown) return;
    api
      .GET('/api/v1/settings')
      .then((r) => r.data && setSpaTimeZone(r.data.timezone))
      .catch(() => undefined)
      .finally(() => setZoneKnown(true));
  }, [me]);

  if (onLogin) return <LoginPage next={location.query.get('next')} />;
  if (onInvite) return <InvitePage />;
  if (me === undefined || me === null || !zoneKnown) return <Loading what="Opening the console" />;
  const { title, page, owner } = route(location.path, me);
  if (owner && me.role !== 'owner')
    return (
      <Shell me={me} path={location.path} title="Owners only">
        <p class="state" role="alert">
          {title} is for the spa's owners. Ask an owner if you need something changed.
        </p>
      </Shell>
    );
  return (
    <Shell me={me} path={location.path} title={title}>
      {page}
    </Shell>
  );
}
