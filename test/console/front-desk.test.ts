import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { hangUpAndWait } from '../support/call-scenarios.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';
import { until } from '../support/until.js';
import { SpaCalendars } from '../../src/calendar/spa-calendars.js';
import { addDays, formatLocalDate, fromLocal, minutesOf, toLocal, weekdayOf } from '../../src/calendar/zoned-time.js';
import { pendingJobs } from '../../src/storage/job-queue.js';
import { loadSpaProfile } from '../../src/storage/spa-repository.js';
import { bookAppointment } from '../../src/tools/booking.js';

/**
 * The console as the front desk and the owner use it, in headless Chromium against the real
 * service: signing in, a call going live and into the list, a callback handled, a text answered,
 * the greeting changed and heard on the next call, and a staff member kept out of Settings.
 * One browser page for the whole file; every page visited is checked with axe-core.
 */

if (CHROMIUM_MISSING) {
  t.test('the console in a browser', { skip: CHROMIUM_MISSING }, () => {});
} else {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, { port, consoleDir, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  const db = h.database.db;
  await addPerson(db, h.demoSpaId, 'owner@willow.test', 'owner');
  await addPerson(db, h.demoSpaId, 'desk@willow.test', 'staff');
  const browser = await launchChromium(t);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  const url = (path: string) => `${h.baseUrl}/console${path}`;

  async function accessible(t: Test, what: string) {
    t.same(await seriousAccessibilityProblems(page), [], `${what}: no serious or critical accessibility problems`);
  }
  async function signIn(email: string) {
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', GOOD_PASSWORD);
    await page.click('button[type=submit]');
  }
  const panel = (id: string) => page.locator(`section[aria-labelledby="${id}-heading"]`);
  /**
   * What `expression` reads off the focused element once it is `wanted`, or after 5 s whatever it
   * is: the console moves focus in an effect after a render, so reading at once races it.
   */
  async function focusedAfterRender(expression: string, wanted: string | RegExp): Promise<string | null | undefined> {
    const read = () => page.evaluate(expression) as Promise<string | null | undefined>;
    const settled = async () => {
      const value = await read();
      return typeof wanted === 'string' ? value === wanted : wanted.test(value ?? '');
    };
    await until('the keyboard focus to settle', settled, 5_000).catch(() => {});
    return read();
  }

  t.test('an owner signs in and lands where they were going', async (t) => {
    await page.goto(url('/patients'));
    await page.waitForURL(/\/console\/login/);
    await signIn('owner@willow.test');
    await page.waitForURL(url('/patients'));
    await page.getByRole('heading', { level: 1, name: 'Patients' }).waitFor();
    t.pass('on the patients page');
  });

  t.test('a call shows up live on Today, then in Conversations with its transcript', async (t) => {
    await page.getByRole('link', { name: 'Today' }).click();
    await panel('live-calls').getByText('No calls right now').waitFor();
    h.realtime.configure = (c) =>
      c.replies.push({ text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 200 }, { text: 'Tuesday at ten is open.', audioMs: 200 });
    const call = h.call();
    await call.dial();
    const model = await h.realtime.connection(0);
    await call.heardAll(200);
    const live = panel('live-calls').locator('li');
    await live.first().waitFor({ timeout: 15_000 });
    t.equal(await live.count(), 1, 'one call in progress');
    t.match(await live.first().innerText(), /talking/);
    await accessible(t, 'Today');

    await model.callerTurn({ transcript: 'Do you have a facial on Tuesday?' });
    await call.heardAll(400);
    await hangUpAndWait(h, call);
    await panel('live-calls').getByText('No calls right now').waitFor({ timeout: 15_000 });
    t.pass('the call leaves Today when it ends');

    await page.getByRole('link', { name: 'Conversations' }).click();
    const row = page.locator('table tbody tr').first();
    await row.waitFor();
    await accessible(t, 'Conversations');
    await row.getByRole('link').click();
    await page.waitForURL(/\/console\/conversations\/[0-9a-f-]{36}$/);
    const transcript = panel('transcript');
    await transcript.getByText('Do you have a facial on Tuesday?').waitFor();
    await transcript.getByText('Thank you for calling Willow and Oak, this is Ava.').waitFor();
    await accessible(t, 'a conversation');
    await page.goBack();
    await page.waitForURL(url('/conversations'));
    await page.goForward();
    await transcript.getByText('Do you have a facial on Tuesday?').waitFor();
    t.pass('back and forward move between the list and the conversation');
  });

  t.test('the front desk marks a message for staff handled', async (t) => {
    const message = await db
      .insertInto('staff_messages')
      .values({ spa_id: h.demoSpaId, caller_name: 'Pat Lee', callback_number: '+12025550142', reason: 'Wants to talk about a refund' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await page.goto(url('/'));
    const item = panel('staff-messages').locator('li', { hasText: 'Pat Lee' });
    await item.waitFor();
    await item.getByRole('button', { name: 'Mark the message from Pat Lee handled' }).click();
    await item.waitFor({ state: 'detached' });
    const row = await db.selectFrom('staff_messages').select('handled_at').where('id', '=', message.id).executeTakeFirstOrThrow();
    t.ok(row.handled_at, 'recorded as handled');
  });

  t.test('the front desk replies to a text thread', async (t) => {
    const sent = await h.post('/twilio/sms', {
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      AccountSid: `AC${'1'.repeat(32)}`,
      From: '+12025550177',
      To: '+12025550100',
      Body: 'Can I book a peel this week?',
      NumMedia: '0',
    });
    t.equal(sent.status, 200);
    const threadOf = () => db.selectFrom('conversations').select('id').where('spa_id', '=', h.demoSpaId).where('channel', '=', 'sms').executeTakeFirst();
    await until('the thread', async () => (await threadOf()) !== undefined);
    const thread = (await threadOf())!;
    await page.goto(url(`/conversations/${thread.id}`));
    await panel('transcript').getByText('Can I book a peel this week?').waitFor();
    await accessible(t, 'a text thread');
    await page.getByLabel('Reply as the spa').fill('Yes! Thursday at 2 PM works. Shall I book it?');
    await page.getByRole('button', { name: 'Send text' }).click();
    await page.getByText('Sent. The receptionist stays quiet').waitFor();
    await panel('transcript').getByText('Thursday at 2 PM works').waitFor();
    const texts = h.twilioRest.messages().map((m) => m.params.Body);
    t.ok(texts.includes('Yes! Thursday at 2 PM works. Shall I book it?'), 'Twilio was asked to send it');
    await page.getByRole('button', { name: 'Hand back to the receptionist' }).waitFor();
  });

  t.test('the owner changes the greeting and the next call uses it', async (t) => {
    const greeting = 'Good day, you have reached Willow and Oak. This is Ava speaking.';
    await page.getByRole('link', { name: 'Settings' }).click();
    const persona = panel('persona');
    await persona.getByLabel('Greeting').fill(greeting);
    await accessible(t, 'Settings');
    await persona.getByRole('button', { name: 'Save' }).click();
    await persona.getByText('Saved.').waitFor();

    h.realtime.configure = (c) => c.replies.push({ text: greeting, audioMs: 200 });
    const call = h.call();
    await call.dial();
    const model = await h.realtime.connection(1);
    const create = await model.waitFor('response.create', (e) => JSON.stringify(e).includes(greeting));
    t.ok(create, 'the model is asked to greet with the new words');
    await call.heardAll(200);
    await hangUpAndWait(h, call);
  });

  t.test('the other pages load, with no serious accessibility problems', async (t) => {
    for (const [path, heading] of [
      ['/patients', 'Patients'],
      ['/appointments', 'Appointments'],
      ['/analytics', 'Analytics'],
    ] as const) {
      await page.goto(url(path));
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('.spinner').first().waitFor({ state: 'detached' });
      await accessible(t, heading);
    }
    await page.goto(url('/patients'));
    await page.locator('table tbody tr a').first().click();
    await panel('patient-details').waitFor();
    await accessible(t, 'a patient');
  });

  t.test('the owner erases a patient who asked to be forgotten', async (t) => {
    const patient = await db.selectFrom('customers').select(['id']).where('spa_id', '=', h.demoSpaId).where('phone', '=', '+12025550177').executeTakeFirstOrThrow();
    await db.updateTable('customers').set({ name: 'Quinn Harper' }).where('id', '=', patient.id).execute();
    const texts = () => db.selectFrom('messages').innerJoin('conversations', 'conversations.id', 'messages.conversation_id').select('messages.id').where('conversations.customer_id', '=', patient.id).execute();
    t.ok((await texts()).length > 0, 'the patient has texts on file');
    await page.goto(url(`/patients/${patient.id}`));
    const erase = panel('patient-erase');
    await erase.getByRole('button', { name: 'Erase this patient…' }).click();
    const confirm = erase.getByRole('group', { name: 'Confirm erasing Quinn Harper' });
    t.match(await confirm.innerText(), /This cannot be undone/);
    t.equal(await focusedAfterRender('document.activeElement?.textContent', 'Erase for good'), 'Erase for good', 'the keyboard lands on the confirmation');
    await accessible(t, 'a patient about to be erased');
    await confirm.getByRole('button', { name: 'Erase for good' }).click();
    const said = panel('patient-details').getByRole('status');
    await said.waitFor();
    t.match(await said.innerText(), /^Erased: 1 conversation emptied, 0 recordings deleted, 0 appointments kept without personal data\.$/);
    t.equal(await focusedAfterRender('document.activeElement?.getAttribute("role")', 'status'), 'status', 'and then on what was done');
    await page.getByRole('heading', { name: 'Erased patient' }).waitFor();
    t.equal(await page.getByLabel('Name').count(), 0, 'no details left to edit');
    t.equal(await panel('patient-erase').count(), 0, 'nothing left to erase');
    const row = await db.selectFrom('customers').select(['name', 'phone', 'erased_at']).where('id', '=', patient.id).executeTakeFirstOrThrow();
    t.match(row, { name: null, erased_at: Date }, 'the details are gone');
    t.not(row.phone, '+12025550177', 'the number too');
    t.same(await texts(), [], 'and the texts');
    const audited = await db.selectFrom('audit_events').select(['action', 'record_id']).where('action', '=', 'patient.erased').execute();
    t.equal(audited.length, 1, 'on the audit log');
    await page.goto(url('/patients'));
    await page.getByRole('link', { name: 'Erased patient' }).waitFor();
    t.equal(await page.getByText('Quinn Harper').count(), 0, 'the list no longer names them');
    await accessible(t, 'patients with an erased one');
    const refused = await page.request.patch(`${h.baseUrl}/api/v1/customers/${patient.id}`, {
      data: { name: 'Quinn Harper' },
      headers: { 'x-csrf-token': String(await page.evaluate('fetch("/api/v1/me").then((r) => r.json()).then((me) => me.csrfToken)')) },
    });
    t.equal(refused.status(), 409, 'an erased patient’s details cannot be written back');
  });

  t.test('the front desk cancels an appointment for a patient who rang, choosing not to text them', async (t) => {
    const spa = (await loadSpaProfile(db, h.demoSpaId))!;
    const provider = spa.providers[0]!;
    const service = spa.services.find((x) => provider.serviceIds.includes(x.id))!;
    // A week from now (the service's clock), at a whole hour.
    const start = new Date(Math.ceil((Date.now() + 7 * 86_400_000) / 3_600_000) * 3_600_000);
    const { appointmentId } = await bookAppointment(db, await new SpaCalendars(db, h.config).forSpa(spa), {
      spa, service, provider, start, customerPhone: '+12025550188', customerName: 'Morgan Lee',
      email: undefined, notes: undefined, conversationId: null, now: new Date(),
    });
    const onDay = new Intl.DateTimeFormat('en-CA', { timeZone: spa.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(start);
    // One that is already over (booked back when it was ahead): nothing left to cancel.
    const past = new Date(start.getTime() - 14 * 86_400_000);
    await bookAppointment(db, await new SpaCalendars(db, h.config).forSpa(spa), {
      spa, service, provider, start: past, customerPhone: '+12025550187', customerName: 'Avery Stone',
      email: undefined, notes: undefined, conversationId: null, now: new Date(past.getTime() - 86_400_000),
    });
    const pastDay = new Intl.DateTimeFormat('en-CA', { timeZone: spa.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(past);
    await page.goto(url(`/appointments?view=day&date=${pastDay}`));
    await page.getByRole('link', { name: 'Avery Stone' }).waitFor();
    t.equal(await page.getByRole('button', { name: /^Cancel… .*for Avery Stone/ }).count(), 0, 'an appointment that is over offers no cancel');
    await page.goto(url(`/appointments?view=day&date=${onDay}`));
    const cancelButton = page.getByRole('button', { name: /^Cancel… .*for Morgan Lee/ });
    await cancelButton.click();
    const confirm = page.getByRole('group', { name: /^Confirm cancelling .*for Morgan Lee/ });
    t.equal(await focusedAfterRender('document.activeElement?.textContent', 'Cancel appointment'), 'Cancel appointment', 'the keyboard lands on the confirmation');
    await accessible(t, 'an appointment about to be cancelled');
    await confirm.getByLabel('Text Morgan Lee that it is cancelled').uncheck();
    await confirm.getByRole('button', { name: 'Cancel appointment' }).click();
    await page.getByText(/Morgan Lee · cancelled/).waitFor();
    t.equal(await cancelButton.count(), 0, 'a cancelled appointment offers no cancel');
    const row = await db.selectFrom('appointments').select('status').where('id', '=', appointmentId).executeTakeFirstOrThrow();
    t.equal(row.status, 'cancelled', 'cancelled');
    const event = await db.selectFrom('local_calendar_events').select('status').where('appointment_id', '=', appointmentId).executeTakeFirstOrThrow();
    t.not(event.status, 'confirmed', 'and out of the calendar');
    t.same((await pendingJobs(db)).filter((j) => j.key?.startsWith(`appointment:${appointmentId}:`)), [], 'no text and no reminder for the patient');
  });

  t.test('the front desk moves an appointment to another time, picking one of the free times offered when the first is taken', async (t) => {
    const spa = (await loadSpaProfile(db, h.demoSpaId))!;
    // Jordan Ellis keeps the spa's hours; a Tuesday (10:00–19:00) at least a week ahead by the service's clock.
    const provider = spa.providers.find((p) => p.name === 'Jordan Ellis')!;
    const service = spa.services.find((x) => provider.serviceIds.includes(x.id) && x.durationMinutes === 60)!;
    let onDate = addDays(toLocal(new Date(), spa.timezone), 8);
    while (weekdayOf(onDate) !== 1) onDate = addDays(onDate, 1);
    const at = (hhmm: string) => fromLocal(onDate, minutesOf(hhmm), spa.timezone)!;
    const calendar = await new SpaCalendars(db, h.config).forSpa(spa);
    const book = async (start: Date, customerPhone: string, customerName: string) =>
      (await bookAppointment(db, calendar, { spa, service, provider, start, customerPhone, customerName, email: undefined, notes: undefined, conversationId: null, now: new Date() }))
        .appointmentId;
    const appointmentId = await book(at('11:00'), '+12025550189', 'Casey Moss');
    await book(at('15:00'), '+12025550186', 'Drew Park');
    const onDay = formatLocalDate(onDate);
    await page.goto(url(`/appointments?view=day&date=${onDay}`));
    await page.getByRole('button', { name: /^Move… .*for Casey Moss/ }).click();
    const step = page.getByRole('group', { name: /^Move .*for Casey Moss/ });
    t.equal(await focusedAfterRender('document.activeElement?.getAttribute("type")', 'date'), 'date', 'the keyboard lands on the step, in its day field');
    t.equal(await step.getByLabel('Day', { exact: true }).inputValue(), onDay, 'which holds its day');
    t.equal(await step.getByLabel('Time', { exact: true }).inputValue(), '11:00', 'and its time, at the spa');
    await accessible(t, 'an appointment about to be moved');
    await step.getByRole('button', { name: 'Keep it' }).click();
    t.match(await focusedAfterRender('document.activeElement?.textContent', /^Move… .*for Casey Moss/), /^Move… .*for Casey Moss/, '"Keep it" hands the keyboard back to Move…');
    await page.getByRole('button', { name: /^Move… .*for Casey Moss/ }).click();

    await step.getByLabel('Time', { exact: true }).fill('15:00');
    await step.getByRole('button', { name: 'Move', exact: true }).click();
    const free = step.getByRole('group', { name: 'Free times nearby' });
    await free.waitFor();
    t.match(await step.getByRole('alert').innerText(), /not free/, 'a time already taken is refused in the API’s words');
    await accessible(t, 'a move to a time already taken');
    const offered = free.getByRole('button').first();
    const offeredTime = (await offered.innerText()).split(', ').pop()!;
    await offered.click();
    t.equal(await focusedAfterRender('document.activeElement?.getAttribute("type")', 'date'), 'date', 'picking one hands the keyboard back to the fields');
    const picked = await step.getByLabel('Time', { exact: true }).inputValue();
    t.not(picked, '15:00', `the time field now holds the one picked (${picked}, ${offeredTime})`);
    t.equal(await step.getByRole('alert').count(), 0, 'and the refusal is gone');
    await step.getByRole('button', { name: 'Move', exact: true }).click();

    const said = page.getByRole('status').filter({ hasText: /^Moved to / });
    await said.waitFor();
    t.match(await said.innerText(), new RegExp(`, ${offeredTime}\\.$`), 'says where it went');
    t.equal(await focusedAfterRender('document.activeElement?.getAttribute("role")', 'status'), 'status', 'and takes the keyboard the step had');
    const card = page.locator('.appointment').filter({ hasText: 'Casey Moss' });
    // The day reloads after the move (and on the change feed): wait for that, not for a fixed time.
    await card.locator('strong', { hasText: offeredTime }).waitFor({ timeout: 10_000 }).catch(() => {});
    t.equal(await card.locator('strong').innerText(), offeredTime, 'the day shows it at the new time');
    const row = await db.selectFrom('appointments').select('starts_at').where('id', '=', appointmentId).executeTakeFirstOrThrow();
    t.equal(row.starts_at.toISOString(), at(picked).toISOString(), 'moved in the book');
    const event = await db.selectFrom('local_calendar_events').select('starts_at').where('appointment_id', '=', appointmentId).executeTakeFirstOrThrow();
    t.equal(event.starts_at.toISOString(), at(picked).toISOString(), 'and in the calendar');
    const jobs = (await pendingJobs(db)).filter((j) => j.key?.startsWith(`appointment:${appointmentId}:`));
    t.match(jobs.find((j) => j.key?.endsWith(':notice'))?.payload, { purpose: 'reschedule' }, 'the patient is texted the new time');
  });

  t.test('a staff member cannot open Settings', async (t) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/login/);
    await page.goto(url('/settings'));
    await page.waitForURL(/\/console\/login/);
    await signIn('desk@willow.test');
    await page.waitForURL(url('/settings'));
    await page.getByText('Settings is for the spa\'s owners').waitFor();
    const anyPatient = await db.selectFrom('customers').select('id').where('spa_id', '=', h.demoSpaId).where('erased_at', 'is', null).executeTakeFirstOrThrow();
    await page.goto(url(`/patients/${anyPatient.id}`));
    await panel('patient-details').waitFor();
    t.equal(await panel('patient-erase').count(), 0, 'staff are not offered erasure (an owner’s decision)');
    t.equal(await page.getByRole('link', { name: 'Settings' }).count(), 0, 'no Settings in the navigation');
    t.equal(await page.getByLabel('Greeting').count(), 0, 'no settings shown');
  });

  t.test('no script errors on any page', async (t) => {
    t.same(scriptErrors, []);
  });
}
