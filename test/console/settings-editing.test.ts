import t, { type Test } from 'tap';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';

/**
 * The owner's Settings page in headless Chromium against the real service: holidays and special
 * hours, who answers the phone, languages and recordings changed, saved, and still there after a
 * reload and in GET /api/v1/settings; a value the API refuses shows its words beside the field and
 * saves nothing. Screenshots go to SETTINGS_SCREENSHOTS when it is set (to look at, not to keep).
 */

if (CHROMIUM_MISSING) {
  t.test('the settings page in a browser', { skip: CHROMIUM_MISSING }, () => {});
} else {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, { port, consoleDir, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  await addPerson(h.database.db, h.demoSpaId, 'owner@willow.test', 'owner');
  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  const panel = (id: string) => page.locator(`section[aria-labelledby="${id}-heading"]`);
  const shots = process.env.SETTINGS_SCREENSHOTS;
  const screenshot = async (name: string) => {
    if (!shots) return;
    for (const id of ['hours', 'catalog', 'spa', 'routing', 'languages', 'recording', 'provider']) await panel(id).screenshot({ path: `${shots}/${name}-${id}.png` });
  };
  /** What the API holds now, read with the browser's own session. */
  const stored = async () => {
    const response = await page.request.get(`${h.baseUrl}/api/v1/settings`);
    return (await response.json()) as {
      transferNumber: string | null;
      address: string;
      settings: Record<string, unknown>;
      services: { slug: string; name: string; description: string; priceNote: string | null }[];
      providers: { slug: string; name: string; hours: Record<string, { open: string; close: string }[]> | null }[];
    };
  };
  async function accessible(t: Test, what: string) {
    t.same(await seriousAccessibilityProblems(page), [], `${what}: no serious or critical accessibility problems`);
  }
  async function save(t: Test, id: string) {
    await panel(id).getByRole('button', { name: 'Save' }).click();
    await panel(id).getByText('Saved.').waitFor();
    t.pass(`${id} saved`);
  }

  t.test('an owner signs in and opens Settings', async (t) => {
    await page.goto(`${h.baseUrl}/console/settings`);
    await page.waitForURL(/\/console\/login/);
    await page.fill('input[name=email]', 'owner@willow.test');
    await page.fill('input[name=password]', GOOD_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${h.baseUrl}/console/settings`);
    await panel('hours').getByText('No holidays or closures yet').waitFor();
    const settings = await stored();
    t.equal(await panel('voice').getByLabel('Voice').inputValue(), settings.settings.voice, 'the lists show the values held, not their first choice');
    t.equal(await panel('spa').getByLabel('Time zone').inputValue(), 'America/New_York');
    await accessible(t, 'Settings as loaded');
  });

  t.test('holidays, routing, languages and recordings are changed, saved, and still there after a reload', async (t) => {
    const hours = panel('hours');
    await hours.getByRole('button', { name: 'Add a date' }).click();
    let row = hours.getByRole('group', { name: 'New date' });
    await row.getByLabel('Date', { exact: true }).fill('2026-12-25');
    row = hours.getByRole('group', { name: 'Friday, December 25, 2026' });
    await row.getByLabel('Note (optional)').fill('Christmas Day');
    t.equal(await row.getByLabel('That day').inputValue(), 'closed', 'a new date is a closure unless told otherwise');
    await hours.getByRole('button', { name: 'Add a date' }).click();
    row = hours.getByRole('group', { name: 'New date' });
    await row.getByLabel('Date', { exact: true }).fill('2026-12-24');
    row = hours.getByRole('group', { name: 'Thursday, December 24, 2026' });
    await row.getByLabel('That day').selectOption('open');
    await row.getByLabel('Thursday, December 24, 2026: opens').fill('10:00');
    await row.getByLabel('Thursday, December 24, 2026: closes').fill('13:30');
    await accessible(t, 'the hours with two exceptions');
    await save(t, 'hours');

    const routing = panel('routing');
    await routing.getByLabel('The front desk first, then the receptionist').check();
    await routing.getByLabel('Front desk number').fill('+12025550123');
    await routing.getByLabel('Ring time (seconds)').fill('30');
    t.notOk(await routing.getByText('When the front desk does not pick up').isVisible(), 'the voicemail choice shows only where it applies');
    await routing.getByLabel('Callers can use the keypad', { exact: false }).uncheck();
    await save(t, 'routing');

    const languages = panel('languages');
    await languages.getByRole('button', { name: 'Add a language' }).click();
    await languages.getByRole('group', { name: 'New language' }).getByLabel('Code', { exact: true }).fill('es');
    await languages.getByRole('group', { name: 'Spanish' }).getByLabel('Main language').check();
    await languages.getByLabel('Invitation to speak another language (optional)').fill('For English, just speak English.');
    await save(t, 'languages');

    const recording = panel('recording');
    await recording.getByLabel('Record calls', { exact: false }).check();
    await recording.getByLabel('Keep recordings for (days)').fill('30');
    await recording.getByLabel('What callers are told').fill('Calls are recorded so we can serve you better.');
    await recording.getByLabel('Delete transcripts and texts after (days)').fill('365');
    await save(t, 'recording');

    const provider = panel('provider');
    t.notOk(await provider.getByLabel('How quickly she replies').isVisible(), 'only the settings of the chosen way of judging turns show');
    await provider.getByRole('radio', { name: 'Google Gemini Live' }).check();
    await provider.getByLabel('If it fails during a call, switch to').selectOption('openai');
    await provider.getByLabel('When the caller sounds finished').check();
    t.notOk(await provider.getByLabel('Pause before she replies (ms)').isVisible());
    await provider.getByLabel('How quickly she replies').selectOption('low');
    await save(t, 'provider');

    await panel('spa').getByLabel('Address').fill('14 Willow Lane, Washington, DC 20001');
    await save(t, 'spa');

    const service = (await stored()).services[0]!;
    const catalog = panel('catalog');
    await catalog.getByLabel(`${service.name}: what the receptionist says about it`).fill('A gentle facial that suits every skin type.');
    await catalog.getByLabel(`${service.name}: price note (optional)`).fill('from $150');
    const providersBefore = (await stored()).providers;
    const practitioner = providersBefore.find((p) => p.hours === null)!;
    t.ok(practitioner, 'a provider who works the spa’s hours');
    await catalog.getByLabel(`${practitioner.name} works whenever the spa is open`).uncheck();
    await catalog.getByRole('group', { name: `${practitioner.name}, Monday` }).getByRole('button', { name: /^Remove/ }).click();
    await save(t, 'catalog');
    await screenshot('settings-desktop');

    const settings = await stored();
    t.equal(settings.transferNumber, '+12025550123');
    t.equal(settings.address, '14 Willow Lane, Washington, DC 20001');
    const ownHours = settings.providers.find((p) => p.slug === practitioner.slug)?.hours;
    t.same(ownHours?.monday, [], 'the provider does not work Mondays');
    t.equal(ownHours?.tuesday?.length, 1, 'and works the spa’s hours on the other days');
    for (const other of providersBefore.filter((p) => p !== practitioner))
      t.same(settings.providers.find((p) => p.slug === other.slug)?.hours, other.hours, `${other.name}'s own hours kept as they were`);
    t.match(settings.services.find((s) => s.slug === service.slug), { description: 'A gentle facial that suits every skin type.', priceNote: 'from $150' }, 'the service as described');
    t.match(settings.settings, {
      hoursExceptions: [
        { date: '2026-12-24', hours: [{ open: '10:00', close: '13:30' }] },
        { date: '2026-12-25', hours: [], note: 'Christmas Day' },
      ],
      routing: { mode: 'front_desk_first', frontDeskRingSeconds: 30, unansweredFallback: 'voicemail', dtmf: false },
      languages: ['es', 'en'],
      language: 'es',
      languageInvitation: 'For English, just speak English.',
      recording: { enabled: true, retentionDays: 30, disclosure: 'Calls are recorded so we can serve you better.' },
      transcriptRetentionDays: 365,
      provider: 'gemini',
      fallbackProvider: 'openai',
      turnDetection: { type: 'semantic_vad', eagerness: 'low' },
    });

    await page.reload();
    await panel('hours').getByRole('group', { name: 'Thursday, December 24, 2026' }).waitFor();
    const shown = page.locator('.dated-row');
    t.same(await shown.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label'))), ['Thursday, December 24, 2026', 'Friday, December 25, 2026'], 'the dates in date order');
    t.equal(await panel('hours').getByRole('group', { name: 'Friday, December 25, 2026' }).getByLabel('Note (optional)').inputValue(), 'Christmas Day');
    t.ok(await panel('routing').getByLabel('The front desk first, then the receptionist').isChecked(), 'the routing as saved');
    t.equal(await panel('routing').getByLabel('Ring time (seconds)').inputValue(), '30');
    t.notOk(await panel('routing').getByLabel('Callers can use the keypad', { exact: false }).isChecked());
    t.ok(await panel('languages').getByRole('group', { name: 'Spanish' }).getByLabel('Main language').isChecked(), 'Spanish is the main language');
    t.equal(await panel('languages').locator('.language-row').first().getAttribute('aria-label'), 'Spanish', 'the main language first');
    t.ok(await panel('recording').getByLabel('Record calls', { exact: false }).isChecked(), 'recording on');
    t.equal(await panel('recording').getByLabel('Delete transcripts and texts after (days)').inputValue(), '365');
    t.ok(await panel('provider').getByRole('radio', { name: 'Google Gemini Live' }).isChecked(), 'Gemini answers');
    t.equal(await panel('provider').getByLabel('How quickly she replies').inputValue(), 'low');
    await accessible(t, 'Settings after a reload');
  });

  t.test('a value the API refuses shows its words beside the field and saves nothing', async (t) => {
    const before = await stored();
    const languages = panel('languages');
    await languages.getByRole('button', { name: 'Add a language' }).click();
    await languages.getByRole('group', { name: 'New language' }).getByLabel('Code', { exact: true }).fill('zz');
    await languages.getByRole('button', { name: 'Save' }).click();
    // Its name is "Code" alone: the complaint is its description, not part of its label.
    const code = languages.getByRole('group', { name: '“zz”' }).getByRole('combobox', { name: 'Code', exact: true });
    await languages.getByText('must be an ISO 639-1 language code, such as en or es').first().waitFor();
    t.equal(await code.getAttribute('aria-invalid'), 'true', 'the field is marked');
    const describedBy = await code.getAttribute('aria-describedby');
    t.equal(await page.locator(`[id="${describedBy}"]`).innerText(), 'must be an ISO 639-1 language code, such as en or es', 'and described by the API’s words');
    t.equal(await page.evaluate('document.activeElement?.getAttribute("aria-describedby")'), describedBy, 'the keyboard is taken to it');
    t.match(await languages.getByRole('alert').innerText(), /^Not saved: must be an ISO 639-1 language code, such as en or es \(the field is marked above\)\.$/);
    t.notOk(await languages.getByText('Saved.').isVisible());

    const hours = panel('hours');
    const eve = hours.getByRole('group', { name: 'Thursday, December 24, 2026' });
    await eve.getByLabel('Thursday, December 24, 2026: opens').fill('15:00');
    await eve.getByLabel('Thursday, December 24, 2026: closes').fill('11:00');
    await hours.getByRole('button', { name: 'Save' }).click();
    await eve.getByText('close must be after open').waitFor();
    t.equal(await eve.getByLabel('Thursday, December 24, 2026: opens').getAttribute('aria-invalid'), 'true');
    await accessible(t, 'Settings showing the API’s complaints');
    await screenshot('settings-refused');

    t.same(await stored(), before, 'nothing was saved');
    // Fixed, it saves, and the complaint goes.
    await eve.getByLabel('Thursday, December 24, 2026: closes').fill('17:00');
    await save(t, 'hours');
    t.notOk(await eve.getByText('close must be after open').isVisible(), 'the complaint is gone');
    t.match((await stored()).settings, { hoursExceptions: [{ date: '2026-12-24', hours: [{ open: '15:00', close: '17:00' }] }, { date: '2026-12-25' }] });
  });

  t.test('services and providers are added, switched off and on again, and stay listed', async (t) => {
    const catalog = panel('catalog');
    const catalogNow = async () => {
      const all = (await (await page.request.get(`${h.baseUrl}/api/v1/settings`)).json()) as {
        services: { slug: string; name: string; durationMinutes: number; priceCents: number | null; description: string; active: boolean }[];
        providers: { slug: string; name: string; title: string; services: string[]; hours: unknown; active: boolean }[];
      };
      return { service: all.services.find((x) => x.slug === 'lip-flip'), provider: all.providers.find((x) => x.slug === 'dana-reyes') };
    };
    await catalog.getByRole('button', { name: 'Add a service' }).click();
    const name = catalog.getByLabel('New service 1: name');
    t.ok(await name.evaluate((el) => el === el.ownerDocument.activeElement), 'the new row’s name takes the keyboard');
    await name.fill('Lip flip');
    await catalog.getByLabel('New service 1: minutes').fill('20');
    await catalog.getByLabel('New service 1: price in dollars').fill('149.50');
    await catalog.getByLabel('New service 1: what the receptionist says about it').fill('A few units of neurotoxin that turn the upper lip out a little.');
    await accessible(t, 'a new service row');
    await save(t, 'catalog');
    t.match((await catalogNow()).service, { name: 'Lip flip', durationMinutes: 20, priceCents: 14_950, active: true }, 'the service is saved under a slug made from its name');
    t.ok(await catalog.getByLabel('Lip flip: name').isVisible(), 'and listed as a saved service');

    await catalog.getByRole('button', { name: 'Add a provider' }).click();
    await catalog.getByLabel('New provider 1: name').fill('Dana Reyes');
    await catalog.getByLabel('New provider 1: title').fill('Nurse injector');
    await catalog.getByRole('group', { name: 'New provider 1 performs' }).getByLabel('Lip flip').check();
    await save(t, 'catalog');
    t.match((await catalogNow()).provider, { name: 'Dana Reyes', title: 'Nurse injector', services: ['lip-flip'], hours: null, active: true }, 'the provider works the spa’s hours and performs the new service');

    await catalog.getByLabel('Lip flip: offered').uncheck();
    await catalog.getByLabel('Dana Reyes: bookable').uncheck();
    await save(t, 'catalog');
    t.match(await catalogNow(), { service: { active: false }, provider: { active: false, services: ['lip-flip'] } }, 'both switched off, nothing lost');
    await page.reload();
    await catalog.getByLabel('Lip flip: offered').waitFor();
    t.notOk(await catalog.getByLabel('Lip flip: offered').isChecked(), 'after a reload the service is still listed, not offered');
    t.notOk(await catalog.getByLabel('Dana Reyes: bookable').isChecked(), 'and the provider, not bookable');
    t.ok(await catalog.getByRole('group', { name: 'Dana Reyes performs' }).getByLabel('Lip flip (not offered)').isChecked(), 'what they perform is kept');
    await catalog.getByRole('button', { name: 'Add a service' }).click();
    await screenshot('settings-switched-off');
    await catalog.getByRole('button', { name: 'Remove New service 1' }).click();

    await catalog.getByLabel('Lip flip: offered').check();
    await catalog.getByLabel('Dana Reyes: bookable').check();
    await catalog.getByRole('button', { name: 'Add a service' }).click();
    await catalog.getByRole('button', { name: 'Remove New service 1' }).click();
    t.equal(await catalog.getByLabel('New service 1: name').count(), 0, 'a new row can be taken back before saving');
    await save(t, 'catalog');
    t.match(await catalogNow(), { service: { active: true }, provider: { active: true } }, 'switched back on');
    await accessible(t, 'Services and providers after switching');
  });

  t.test('at tablet width the page fits the screen and every section is reachable', async (t) => {
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.reload();
    await panel('recording').waitFor();
    // A string, so it runs in the page (whose globals the test's Node types do not know).
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    t.equal(overflow, 0, 'no sideways scrolling');
    for (const name of ['Who answers', 'Languages', 'Recordings', 'Speech model']) {
      await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name }).click();
      t.pass(`${name} reachable from the section links`);
    }
    await screenshot('settings-tablet');
    await accessible(t, 'Settings at tablet width');
    t.same(scriptErrors, [], 'no script errors');
  });
}
