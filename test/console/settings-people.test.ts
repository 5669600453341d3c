import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { recordAuditEvent } from '../../src/storage/audit-repository.js';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';
import { until } from '../support/until.js';

/**
 * People and the audit log in Settings, in headless Chromium against the real service: the owner
 * invites someone, who takes the link in a browser of their own, sets a password and signs in;
 * the owner signs them out everywhere, promotes them, disables them (their next request is
 * refused), cannot disable themselves as the last owner, and finds all of it in the audit log
 * under their own name.
 */

if (CHROMIUM_MISSING) {
  t.test('people and the audit log in a browser', { skip: CHROMIUM_MISSING }, () => {});
} else {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, { port, consoleDir, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  const db = h.database.db;
  const owner = await addPerson(db, h.demoSpaId, 'owner@willow.test', 'owner');
  const browser = await launchChromium(t);
  const ownerPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  // The invited person's own browser: nothing shared with the owner's.
  const newcomerPage = await (await browser.newContext({ viewport: { width: 820, height: 1180 } })).newPage();
  const scriptErrors: string[] = [];
  for (const page of [ownerPage, newcomerPage]) page.on('pageerror', (error) => scriptErrors.push(error.message));
  const url = (path: string) => `${h.baseUrl}/console${path}`;
  const NEWCOMER = 'robin@willow.test';
  const NEWCOMER_PASSWORD = 'copper-lantern-meadow-7';
  let inviteLink = '';

  async function accessible(t: Test, page: Page, what: string) {
    t.same(await seriousAccessibilityProblems(page), [], `${what}: no serious or critical accessibility problems`);
  }
  async function signIn(page: Page, email: string, password: string) {
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  }
  const panel = (id: string) => ownerPage.locator(`section[aria-labelledby="${id}-heading"]`);
  const personRow = (email: string) => panel('people').locator(`tr[data-person="${email}"]`);
  const newcomer = () => db.selectFrom('people').select(['id', 'role', 'disabled_at', 'name']).where('email', '=', NEWCOMER).executeTakeFirstOrThrow();

  t.test('the owner opens Settings and sees the people, their own sessions and the audit log', async (t) => {
    await ownerPage.goto(url('/settings'));
    await signIn(ownerPage, 'owner@willow.test', GOOD_PASSWORD);
    await ownerPage.waitForURL(url('/settings'));
    await personRow('owner@willow.test').waitFor();
    t.match(await personRow('owner@willow.test').innerText(), /you[\s\S]*Owner[\s\S]*Active/, 'the owner is listed as themselves, owner, active');
    await panel('my-sessions').getByText('This browser').waitFor();
    t.match(await panel('my-sessions').innerText(), /Headless Chrome on Linux/, 'the session names its device');
    await panel('audit-log').locator('tbody tr').first().waitFor();
    await panel('people').getByText('No invites waiting to be accepted.').waitFor();
    await ownerPage.locator('.spinner').first().waitFor({ state: 'detached' });
    await accessible(t, ownerPage, 'Settings with people and the audit log');
  });

  t.test('the owner signs a phone left signed in out of their account, and this browser stays in', async (t) => {
    const phoneSignIn = await fetch(`${h.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1' },
      body: JSON.stringify({ email: 'owner@willow.test', password: GOOD_PASSWORD }),
    });
    const phone = String(phoneSignIn.headers.get('set-cookie')).split(';')[0]!;
    const phoneMe = () => fetch(`${h.baseUrl}/api/v1/me`, { headers: { cookie: phone } }).then((r) => r.status);
    t.equal(await phoneMe(), 200, 'the phone is signed in');
    await ownerPage.reload();
    const sessions = panel('my-sessions');
    const signOutPhone = sessions.getByRole('button', { name: /^Sign out Safari on iPhone/ });
    await signOutPhone.waitFor();
    t.equal(await sessions.locator('li').getByRole('button', { name: /^Sign out/ }).count(), 1, 'only the other device has its own button; this one signs out from the top bar');
    await signOutPhone.click();
    await sessions.getByRole('status').getByText('Signed out of Safari on iPhone.').waitFor();
    await signOutPhone.waitFor({ state: 'detached' });
    t.equal(await ownerPage.evaluate('document.activeElement?.textContent'), 'Signed out of Safari on iPhone.', 'the keyboard lands on what happened');
    t.equal(await phoneMe(), 401, 'the phone is signed out');
    t.equal((await ownerPage.request.get(`${h.baseUrl}/api/v1/me`)).status(), 200, 'this browser is not');
    t.match(await sessions.innerText(), /This browser/);
    await accessible(t, ownerPage, 'Your sessions after signing a phone out');
  });

  t.test('the owner invites someone and gets a one-time link with its expiry; a texted invite reaches Twilio', async (t) => {
    const people = panel('people');
    await people.getByLabel('Email').fill(NEWCOMER);
    await people.getByLabel('Role').selectOption('staff');
    await people.getByRole('button', { name: 'Create invite' }).click();
    const link = people.getByLabel('Invite link');
    await link.waitFor();
    inviteLink = await link.inputValue();
    t.match(inviteLink, new RegExp(`^${h.baseUrl}/console/invite#token=[A-Za-z0-9_-]{20,}$`), 'the link is the console invite page with the token after #');
    t.match(await people.locator('.invite-result').innerText(), /robin@willow\.test as staff\. The link works once, until \w{3} \d+, \d+:\d\d [AP]M/);
    await people.locator('tr', { hasText: NEWCOMER }).getByText('Pending').waitFor();

    await people.getByLabel('Email').fill('sam@willow.test');
    await people.getByLabel('Text the link to (optional)').fill('+1 202 555 0188');
    await people.getByRole('button', { name: 'Create invite' }).click();
    await people.getByText('Also texted to +12025550188.').waitFor();
    const texted = h.twilioRest.messages().find((m) => m.params.To === '+12025550188');
    t.match(String(texted?.params.Body), /\/console\/invite#token=/, 'the text carries the link');
    await accessible(t, ownerPage, 'Settings with a new invite');

    await people.getByRole('button', { name: 'Withdraw the invite for sam@willow.test' }).click();
    await people.locator('summary', { hasText: 'Earlier invites (1)' }).click();
    await people.locator('.past-invites tr', { hasText: 'sam@willow.test' }).getByText('Withdrawn').waitFor();
    t.equal(await people.locator('tr', { hasText: 'sam@willow.test' }).getByRole('button', { name: /Withdraw/ }).count(), 0, 'a withdrawn invite has no button');
  });

  t.test('the invited person opens the link in their own browser, sets a password and is signed in', async (t) => {
    await newcomerPage.goto(inviteLink);
    await newcomerPage.getByRole('heading', { name: 'Welcome to the console' }).waitFor();
    t.equal(new URL(newcomerPage.url()).hash, '', 'the token leaves the address bar');
    await accessible(t, newcomerPage, 'the invite page');
    await newcomerPage.getByLabel('Your name (optional)').fill('Robin Vale');
    await newcomerPage.getByLabel('New password').fill('short');
    await newcomerPage.getByLabel('Password again').fill('short');
    t.equal(await newcomerPage.getByLabel('New password').evaluate((el) => (el as unknown as { validity: { tooShort: boolean } }).validity.tooShort), true, 'the browser asks for 10 characters first');
    await newcomerPage.getByLabel('New password').fill('password2026!');
    await newcomerPage.getByLabel('Password again').fill('password2026!');
    await newcomerPage.getByRole('button', { name: 'Set password and sign in' }).click();
    await newcomerPage.getByRole('alert').getByText('one of the first that attackers try').waitFor();
    await newcomerPage.getByLabel('New password').fill(NEWCOMER_PASSWORD);
    await newcomerPage.getByLabel('Password again').fill(NEWCOMER_PASSWORD);
    await newcomerPage.getByRole('button', { name: 'Set password and sign in' }).click();
    await newcomerPage.waitForURL(url('/'));
    await newcomerPage.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    t.match(await newcomerPage.locator('.who').innerText(), /Robin Vale\s*staff/);
    t.equal((await newcomer()).name, 'Robin Vale');

    await newcomerPage.goto(url('/settings'));
    await newcomerPage.getByText("Settings is for the spa's owners").waitFor();
    t.equal(await newcomerPage.getByRole('link', { name: 'Settings' }).count(), 0, 'staff have no Settings in the navigation');

    const used = await newcomerPage.evaluate(async (token) => {
      const r = await fetch('/api/v1/invites/accept', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, password: 'another-long-passphrase-9' }) });
      return r.status;
    }, inviteLink.split('#token=')[1]);
    t.equal(used, 410, 'the link works once');
    await newcomerPage.goto(inviteLink);
    await newcomerPage.getByLabel('New password').fill('another-long-passphrase-9');
    await newcomerPage.getByLabel('Password again').fill('another-long-passphrase-9');
    await newcomerPage.getByRole('button', { name: 'Set password and sign in' }).click();
    await newcomerPage.getByRole('heading', { name: 'This invite cannot be used' }).waitFor();
    t.match(await newcomerPage.getByRole('alert').innerText(), /expired, was withdrawn or has already been used/, "the page says why, in the API's words");
    await accessible(t, newcomerPage, 'a used invite link');
  });

  t.test('the owner signs the newcomer out everywhere, and the newcomer signs in again with the password', async (t) => {
    await ownerPage.reload();
    const row = personRow(NEWCOMER);
    await row.getByText('Robin Vale').waitFor();
    t.match(await row.innerText(), /Staff[\s\S]*Active/);
    t.notMatch(await row.innerText(), /never/, 'the newcomer has signed in');
    await row.getByRole('button', { name: 'Sign out everywhere: Robin Vale' }).click();
    await row.getByRole('group', { name: 'Confirm for Robin Vale' }).getByRole('button', { name: 'Sign out everywhere' }).click();
    await panel('people').getByRole('status').getByText('Robin Vale is signed out everywhere.').waitFor();

    await newcomerPage.goto(url('/conversations'));
    await newcomerPage.waitForURL(/\/console\/login/);
    await signIn(newcomerPage, NEWCOMER, NEWCOMER_PASSWORD);
    await newcomerPage.waitForURL(url('/conversations'));
    await newcomerPage.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
    t.pass('signed in as the newcomer with the password they chose');
  });

  t.test('the owner makes the newcomer an owner, then disables them: their next request is refused', async (t) => {
    const row = personRow(NEWCOMER);
    await row.getByRole('button', { name: 'Make owner: Robin Vale' }).click();
    await panel('people').getByText('Robin Vale is now an owner.').waitFor();
    await row.locator('td', { hasText: /^Owner$/ }).waitFor();
    t.equal((await newcomer()).role, 'owner');
    await newcomerPage.goto(url('/settings'));
    await newcomerPage.locator('section[aria-labelledby="people-heading"]').waitFor();
    t.pass('the new owner opens Settings');
    await accessible(t, newcomerPage, 'Settings at tablet width');

    await row.getByRole('button', { name: 'Disable: Robin Vale' }).click();
    await row.getByRole('group', { name: 'Confirm for Robin Vale' }).getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    t.ok((await newcomer()).disabled_at, 'recorded as disabled');

    const status = await newcomerPage.evaluate(async () => (await fetch('/api/v1/conversations')).status);
    t.equal(status, 401, "the disabled person's next request is refused");
    await newcomerPage.goto(url('/'));
    await newcomerPage.waitForURL(/\/console\/login/);
    await signIn(newcomerPage, NEWCOMER, NEWCOMER_PASSWORD);
    await newcomerPage.getByRole('alert').waitFor();
    t.match(newcomerPage.url(), /\/console\/login/, 'and they cannot sign in again');
  });

  t.test('the last enabled owner cannot disable or demote themselves, and says why', async (t) => {
    const row = personRow('owner@willow.test');
    await row.getByRole('button', { name: 'Sign out everywhere: owner@willow.test (you)' }).focus();
    await ownerPage.keyboard.press('Enter');
    t.equal(await ownerPage.evaluate('document.activeElement.textContent'), 'Sign out everywhere', 'the keyboard lands on the confirmation');
    await ownerPage.keyboard.press('Tab');
    await ownerPage.keyboard.press('Enter');
    await ownerPage.waitForFunction(`document.activeElement.closest('tr')?.dataset.person === 'owner@willow.test'`);
    t.equal(await row.getByRole('group').count(), 0, 'Cancel by keyboard puts focus back on the row');
    await row.getByRole('button', { name: 'Disable: owner@willow.test (you)' }).click();
    await row.getByText('Disable your own account? You are signed out at once.').waitFor();
    await row.getByRole('group').getByRole('button', { name: 'Disable' }).click();
    const alert = panel('people').getByRole('alert');
    await alert.waitFor();
    t.match(await alert.innerText(), /Disable \(yourself\): The spa needs at least one enabled owner; make someone else owner first\./);
    await row.getByRole('button', { name: 'Make staff: owner@willow.test (you)' }).click();
    await row.getByRole('group').getByRole('button', { name: 'Make staff' }).click();
    await panel('people').getByRole('alert').getByText(/Make staff \(yourself\): The spa needs at least one enabled owner/).waitFor();
    const me = await db.selectFrom('people').select(['role', 'disabled_at']).where('id', '=', owner.id).executeTakeFirstOrThrow();
    t.same(me, { role: 'owner', disabled_at: null }, 'still an enabled owner');
    t.match(await row.innerText(), /Owner[\s\S]*Active/);
  });

  t.test('the audit log shows those actions under the owner, filtered by person and action', async (t) => {
    const log = panel('audit-log');
    await ownerPage.reload();
    await log.locator('tbody tr').first().waitFor();
    await log.getByLabel('Person', { exact: true }).selectOption({ label: 'owner@willow.test' });
    await log.getByLabel('Action', { exact: true }).selectOption({ label: 'Changed a person' });
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await log.locator('tbody tr').nth(1).waitFor();
    await ownerPage.waitForFunction(`document.querySelectorAll('section[aria-labelledby="audit-log-heading"] tbody tr').length === 2`);
    const rows = await log.locator('tbody tr').allInnerTexts();
    t.equal(rows.length, 2, 'two changes of a person by the owner (the refused ones are not changes)');
    t.match(rows[0], /owner@willow\.test\s+Changed a person\s+Robin Vale: disabled\s+Person: Robin Vale/, 'newest first: the disabling, by the owner');
    t.match(rows[1], /owner@willow\.test\s+Changed a person\s+Robin Vale: role staff → owner/, 'then the promotion');
    t.match(rows[0], /127\.0\.0\.1/, 'with the address');

    await log.getByLabel('Action', { exact: true }).selectOption({ label: 'Signed someone out everywhere' });
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await log.getByText('Robin Vale: 1 ended').waitFor();

    await log.getByLabel('Person', { exact: true }).selectOption({ label: 'Robin Vale' });
    await log.getByLabel('Action', { exact: true }).selectOption({ label: 'Accepted an invite' });
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await log.locator('tbody tr', { hasText: 'Accepted an invite' }).getByText('Robin Vale').waitFor();
    t.equal(await log.locator('tbody tr').count(), 1, 'the newcomer accepted one invite');

    await log.getByRole('button', { name: 'Clear' }).click();
    const person = await newcomer();
    await log.getByLabel('Record id', { exact: true }).fill(person.id);
    await log.getByRole('button', { name: 'Apply filters' }).click();
    // The unfiltered list (after Clear) has such rows too: wait for the filtered answer itself,
    // rather than for a spinner a loaded machine may not have shown yet.
    const onlyNewcomer = async () => {
      const rows = await log.locator('tbody tr').allInnerTexts();
      return rows.length >= 3 && rows.some((row) => row.includes('Signed someone out everywhere')) && rows.every((row) => row.includes('Person: Robin Vale'));
    };
    const filtered = await until('the list filtered to the newcomer', onlyNewcomer, 15_000).then(
      () => true,
      () => false,
    );
    t.ok(filtered, 'only events about the newcomer', { rows: await log.locator('tbody tr').allInnerTexts() });
    await accessible(t, ownerPage, 'the filtered audit log');
  });

  t.test('the audit log pages with "Load more" and filters by the spa\'s days', async (t) => {
    // 60 events on a day long past, so neither the date the test runs nor the events above matter.
    for (let i = 0; i < 60; i += 1) {
      await recordAuditEvent(db, {
        spaId: h.demoSpaId,
        at: new Date(Date.UTC(2026, 5, 15, 14, 0, i)),
        actorType: 'person',
        actorId: owner.id,
        action: 'customer.viewed',
        recordType: 'customer',
        recordId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      });
    }
    // Just before midnight at the spa (Washington, UTC-4 in June): the 14th there, the 15th in UTC.
    await recordAuditEvent(db, { spaId: h.demoSpaId, at: new Date('2026-06-15T03:30:00Z'), actorType: 'person', actorId: owner.id, action: 'customer.viewed' });
    const log = panel('audit-log');
    await ownerPage.reload();
    await log.locator('tbody tr').first().waitFor();
    await log.getByLabel('From', { exact: true }).fill('2026-06-15');
    await log.getByLabel('To', { exact: true }).fill('2026-06-15');
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await ownerPage.waitForFunction(`document.querySelectorAll('section[aria-labelledby="audit-log-heading"] tbody tr').length === 50`);
    t.equal(await log.locator('tbody tr').count(), 50, 'the first page holds 50');
    await log.getByRole('button', { name: 'Load more' }).click();
    await log.getByText('60 events, the oldest included.').waitFor();
    t.equal(await log.locator('tbody tr').count(), 60, "the next page brings the rest, and nothing of the spa's day before");
    t.equal(await log.getByRole('button', { name: 'Load more' }).count(), 0, 'no more to load');

    await log.getByLabel('From', { exact: true }).fill('2026-06-14');
    await log.getByLabel('To', { exact: true }).fill('2026-06-14');
    await log.getByRole('button', { name: 'Apply filters' }).click();
    await log.getByText('1 event, the oldest included.').waitFor();
    t.pass("the spa's 14 June holds the late-evening event");
  });

  t.test('no script errors on any page', async (t) => {
    t.same(scriptErrors, []);
  });
}
