import t from 'tap';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { addPerson } from '../support/staff-people.js';

/**
 * "Sign in with Google" on /console/login in headless Chromium: the browser really goes to the
 * fake Google (a local HTTP server, whose consent screen answers at once as its account) and is
 * redirected back to the service, which signs the person in and returns them where they were going.
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
}
