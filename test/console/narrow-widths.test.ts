import t from 'tap';
import type { Page } from 'playwright-core';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { recordCall, recordTextThread } from '../support/recorded-conversations.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';

/**
 * The console on a tablet and on a phone: every page fits the width (no sideways scrolling of the
 * page; wide tables scroll inside their own box), its heading and navigation are on screen and
 * reachable, and axe finds nothing serious. The owner sees every page, so the owner is signed in.
 */

const WIDTHS = [
  { name: 'tablet', width: 820, height: 1180 },
  { name: 'phone', width: 390, height: 844 },
];

/** How far the page itself scrolls sideways, and which elements stick out past the viewport (for the message). */
async function overflow(page: Page): Promise<{ extra: number; culprits: string[] }> {
  return (await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const extra = document.documentElement.scrollWidth - width;
    const culprits = [];
    if (extra > 1) {
      for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 && box.width > 0) {
          // Inside a box that scrolls sideways on its own is fine.
          let scroller = el.parentElement, contained = false;
          while (scroller && scroller !== document.body) {
            const style = getComputedStyle(scroller);
            if (style.overflowX === 'auto' || style.overflowX === 'scroll' || style.overflowX === 'hidden') { contained = true; break; }
            scroller = scroller.parentElement;
          }
          if (!contained) culprits.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
        }
        if (culprits.length >= 5) break;
      }
    }
    return { extra, culprits };
  })()`)) as { extra: number; culprits: string[] };
}

if (CHROMIUM_MISSING) {
  t.test('the console at tablet and phone widths', { skip: CHROMIUM_MISSING }, () => {});
} else {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, { port, consoleDir, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  const db = h.database.db;
  await addPerson(db, h.demoSpaId, 'owner@willow.test', 'owner');
  const startedAt = new Date(Date.now() - 3_600_000);
  const callId = await recordCall(db, {
    spaId: h.demoSpaId,
    startedAt,
    durationSeconds: 184,
    turns: [
      ['assistant', 'Thank you for calling Willow and Oak Med Spa, this is Ava. How can I help you today?'],
      ['customer', 'Hi, I would like to book a HydraFacial with Dr. Patel some time next week, preferably a morning.'],
      ['assistant', 'Of course. Dr. Patel has Tuesday at ten or Thursday at nine thirty. Which would suit you better?'],
    ],
    tools: [{ name: 'check_availability', ok: true }],
    responses: 3,
    transcriptions: 2,
  });
  await recordTextThread(db, {
    spaId: h.demoSpaId,
    from: '+12025550178',
    startedAt,
    texts: [
      ['inbound', 'Can I move my Botox appointment from Friday to Saturday afternoon please?', 1],
      ['outbound', 'Saturday at 2:30 PM is open with Dr. Patel. Shall I move it?', 1],
    ],
  });
  const patient = await db.selectFrom('conversations').select('customer_id').where('id', '=', callId).executeTakeFirstOrThrow();

  const pages = [
    { path: '/', heading: 'Today' },
    { path: '/conversations', heading: 'Conversations' },
    { path: `/conversations/${callId}`, heading: null },
    { path: '/patients', heading: 'Patients' },
    ...(patient.customer_id ? [{ path: `/patients/${patient.customer_id}`, heading: null }] : []),
    { path: '/appointments', heading: 'Appointments' },
    { path: '/analytics', heading: 'Analytics' },
    { path: '/settings', heading: 'Settings' },
    { path: '/test-call', heading: null },
  ];

  const browser = await launchChromium(t);
  for (const size of WIDTHS) {
    t.test(`on a ${size.name} (${size.width} px wide)`, async (t) => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, hasTouch: true });
      const page = await context.newPage();
      const scriptErrors: string[] = [];
      page.on('pageerror', (error) => scriptErrors.push(error.message));
      await page.goto(`${h.baseUrl}/console/login`);
      t.equal((await overflow(page)).extra <= 1, true, 'the sign-in page fits');
      await page.fill('input[name=email]', 'owner@willow.test');
      await page.fill('input[name=password]', GOOD_PASSWORD);
      await page.click('button[type=submit]');
      await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();

      for (const visit of pages) {
        await page.goto(`${h.baseUrl}/console${visit.path}`);
        const heading = page.getByRole('heading', { level: 1 });
        await heading.first().waitFor();
        if (visit.heading) t.equal(await heading.first().innerText(), visit.heading, `${visit.path}: its heading`);
        // Let the page's data arrive (the loading states are narrower than what replaces them).
        await page.locator('.spinner').first().waitFor({ state: 'detached', timeout: 15_000 });
        const { extra, culprits } = await overflow(page);
        t.ok(extra <= 1, `${visit.path}: the page does not scroll sideways`, { extra, culprits });
        t.ok(await heading.first().isVisible(), `${visit.path}: the heading is on screen`);
        t.same(await seriousAccessibilityProblems(page), [], `${visit.path}: no serious or critical accessibility problems`);
      }
      // Every navigation link can be brought on screen and is big enough to tap (the frame is the same on every page).
      const links = page.getByRole('navigation', { name: 'Console' }).getByRole('link');
      const count = await links.count();
      t.equal(count, 7, "the owner's seven pages are in the navigation");
      for (let i = 0; i < count; i++) {
        const link = links.nth(i);
        await link.scrollIntoViewIfNeeded();
        const box = await link.boundingBox();
        t.ok(box && box.x >= 0 && box.x + box.width <= size.width + 1 && box.height >= 24, `navigation link ${i + 1} can be reached and tapped`, { box });
      }
      t.same(scriptErrors, [], 'no script errors on any page');
      // Leave the console first, so its live-update stream is closed by the browser, not cut by the server's close.
      await page.goto('about:blank');
      await context.close();
    });
  }
}
