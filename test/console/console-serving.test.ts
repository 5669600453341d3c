import t from 'tap';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';

/** How the service serves the console: caching, deep links, and the sign-in page in a real browser. */

const consoleDir = await buildConsole();
const port = await freePort();
const h = await startCallHarness(t, { port, consoleDir, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });

t.test('every console path is the app itself, revalidated on each load', async (t) => {
  for (const path of ['/console', '/console/', '/console/conversations/8d3c5b1e-0000-4000-8000-000000000000', '/console/settings']) {
    const response = await fetch(`${h.baseUrl}${path}`);
    t.equal(response.status, 200, path);
    t.equal(response.headers.get('cache-control'), 'no-cache', path);
    t.match(await response.text(), /<div id="app">/, path);
  }
});

t.test('fingerprinted assets are cached for a year as immutable; a missing one is a 404, not the app', async (t) => {
  const html = await (await fetch(`${h.baseUrl}/console/`)).text();
  const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  t.ok(script, 'the page names its script');
  const asset = await fetch(`${h.baseUrl}${script}`);
  t.equal(asset.status, 200);
  t.match(asset.headers.get('cache-control'), /max-age=31536000/);
  t.match(asset.headers.get('cache-control'), /immutable/);
  t.equal((await fetch(`${h.baseUrl}/console/assets/gone-0000.js`)).status, 404);
});

t.test('in a browser', { skip: CHROMIUM_MISSING }, async (t) => {
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => message.type() === 'error' && !/401|404/.test(message.text()) && problems.push(message.text()));

  await t.test('a signed-out visitor lands on the sign-in page, which remembers where they were going', async (t) => {
    const methods = page.waitForResponse((response) => response.url().endsWith('/api/v1/session/methods'));
    await page.goto(`${h.baseUrl}/console/conversations?channel=sms`);
    await page.waitForURL(/\/console\/login\?next=/);
    t.equal(new URL(page.url()).searchParams.get('next'), '/console/conversations?channel=sms');
    t.equal(await page.getAttribute('input[name=email]', 'type'), 'email');
    t.equal(await page.getAttribute('input[name=email]', 'autocomplete'), 'username');
    t.equal(await page.getAttribute('input[name=password]', 'type'), 'password');
    t.equal(await page.getAttribute('input[name=password]', 'autocomplete'), 'current-password');
    t.ok(await page.isVisible('button[type=submit]'));
    t.same(await (await methods).json(), { password: true, google: false });
    t.equal(await page.getByText('Sign in with Google').count(), 0, 'no Google button: no Google client is configured here');
    t.same(await seriousAccessibilityProblems(page), [], 'no serious or critical accessibility problems');
  });

  t.same(problems, [], 'no script errors (the CSP lets the console run)');
});
