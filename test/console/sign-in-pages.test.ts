import t from 'tap';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { createInvite } from '../../src/storage/invite-repository.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';

/**
 * The ways in, in headless Chromium: "Sign in with Google" on /console/login (the browser really
 * goes to the fake Google, a local HTTP server whose consent screen answers at once as its account,
 * and is redirected back to the service, which signs the person in and returns them where they were
 * going), and the invite page an invite link opens.
 */

if (CHROMIUM_MISSING) {
  t.test('Sign in with Google in a browser', { skip: CHROMIUM_MISSING }, () => {});
} else {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, {
    port,
    consoleDir,
    google: true,
    env: {
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      GOOGLE_CLIENT_ID: 'console-test.apps.googleusercontent.com',
      GOOGLE_CLIENT_SECRET: 'console-test-secret',
    },
  });
  const google = h.google!;
  await addPerson(h.database.db, h.demoSpaId, 'desk@willow.test', 'staff');
  const browser = await launchChromium(t);
  const url = (path: string) => `${h.baseUrl}/console${path}`;

  t.test('the button takes a known Google account through Google and back, signed in, to where they were going', async (t) => {
    const page = await (await browser.newContext()).newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    google.consentAccount = 'Desk@Willow.test';
    await page.goto(url('/patients'));
    await page.waitForURL(/\/console\/login\?next=/);
    const button = page.getByRole('link', { name: 'Sign in with Google' });
    await button.waitFor();
    t.same(await seriousAccessibilityProblems(page), [], 'the sign-in page with the Google button: no serious or critical accessibility problems');
    const wentToGoogle = page.waitForRequest((request) => request.url().startsWith(`${google.rootUrl}/o/oauth2/v2/auth`));
    await button.click();
    await wentToGoogle;
    await page.waitForURL(url('/patients'));
    await page.getByRole('heading', { level: 1, name: 'Patients' }).waitFor();
    const me = await page.evaluate(`fetch('/api/v1/me').then((r) => r.json())`);
    t.match(me, { person: { email: 'desk@willow.test', role: 'staff' } }, 'signed in as the matching person');
    t.same(scriptErrors, []);
  });

  t.test('an account with no invite comes back to the sign-in page with the reason, signed out', async (t) => {
    const page = await (await browser.newContext()).newPage();
    google.consentAccount = 'someone@elsewhere.test';
    await page.goto(url('/login'));
    await page.getByRole('link', { name: 'Sign in with Google' }).click();
    await page.waitForURL(/\/console\/login\?error=google_no_account/);
    await page.getByRole('alert').getByText('There is no active account for that Google address').waitFor();
    t.same(await seriousAccessibilityProblems(page), [], 'the sign-in page with the error: no serious or critical accessibility problems');
    const status = await page.evaluate(`fetch('/api/v1/me').then((r) => r.status)`);
    t.equal(status, 401, 'no session');
  });

  t.test('an invited person opens their link, sets a password, and is signed in; the link then works no more', async (t) => {
    const page = await (await browser.newContext()).newPage();
    const owner = await addPerson(h.database.db, h.demoSpaId, 'owner@willow.test', 'owner');
    const invite = await createInvite(h.database.db, { spaId: h.demoSpaId, email: 'new.hire@willow.test', role: 'staff', invitedBy: `person:${owner.id}` }, new Date());
    await page.goto(url(`/invite#token=${invite.token}`));
    await page.getByRole('heading', { level: 1, name: 'Welcome to the console' }).waitFor();
    t.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
    await page.getByRole('link', { name: 'Sign in with Google instead' }).waitFor();
    t.same(await seriousAccessibilityProblems(page), [], 'the invite page: no serious or critical accessibility problems');
    await page.getByLabel('Your name').fill('Noor Haddad');
    await page.getByLabel('New password').fill('password2026');
    await page.getByLabel('Password again').fill('password2026');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('alert').getByText(/attackers try/).waitFor();
    t.pass('a common password is refused with the reason');
    await page.getByLabel('New password').fill(GOOD_PASSWORD);
    await page.getByLabel('Password again').fill(GOOD_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL(url('/'));
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    const me = await page.evaluate(`fetch('/api/v1/me').then((r) => r.json())`);
    t.match(me, { person: { email: 'new.hire@willow.test', name: 'Noor Haddad', role: 'staff' } });

    const again = await (await browser.newContext()).newPage();
    await again.goto(url(`/invite#token=${invite.token}`));
    await again.getByLabel('New password').fill(GOOD_PASSWORD);
    await again.getByLabel('Password again').fill(GOOD_PASSWORD);
    await again.getByRole('button', { name: 'Set password and sign in' }).click();
    await again.getByRole('alert').getByText(/already been used/).waitFor();
    t.pass('the used link says so');
  });
}
