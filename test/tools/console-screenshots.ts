/**
 * `npm run screenshots`: the README's pictures of the staff console. Starts the real service on a
 * throwaway embedded Postgres with a month of demo history (test/support/conversation-dataset.ts),
 * today's book, callbacks waiting and one call in progress (the Twilio and OpenAI Realtime doubles),
 * signs in as an owner in headless Chromium and photographs every page into .readme/.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { prepareSchema } from '../../src/storage/bootstrap.js';
import { connect } from '../../src/storage/database.js';
import { startEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { FakeRealtimeServer } from '../doubles/fake-realtime-server.js';
import { FakeTwilioCall } from '../doubles/fake-twilio.js';
import { CHROMIUM_MISSING, launchChromium } from '../support/browser.js';
import { buildConsole } from '../support/console-build.js';
import { buildConversationDataset } from '../support/conversation-dataset.js';
import { freePort } from '../support/free-port.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';

const OUT = path.resolve('.readme');
const AUTH_TOKEN = 'screenshots-auth-token';

if (CHROMIUM_MISSING) {
  process.stderr.write(`${CHROMIUM_MISSING}\n`);
  process.exit(1);
}

const dir = await mkdtemp(path.join(tmpdir(), 'console-screenshots-'));
await chmod(dir, 0o755);
const teardowns: (() => unknown)[] = [];
const t = { teardown: (fn: () => unknown) => teardowns.push(fn) };
try {
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), logger: pino({ level: 'warn' }) });
  teardowns.push(() => server.stop());
  await server.ensureDatabase('screenshots');
  const url = server.urlFor('screenshots');
  const db = await connect(url);
  teardowns.push(() => db.destroy());
  await prepareSchema({ db, url });
  const { spaId } = await seedSpa(db, await loadDemoSpaCatalog());
  // A month of history: 420 conversations about 100 minutes apart.
  await buildConversationDataset(db, spaId, { conversations: 420, messagesPerConversation: 8, spacingMinutes: 103 });
  await sql`
    insert into appointments (spa_id, customer_id, provider_id, service_id, starts_at, ends_at, status)
    select ${spaId}, c.id, p.id, s.id,
      ((now() at time zone sp.timezone)::date + make_time(9 + (n * 2 + p.k) % 8, (n % 2) * 30, 0)) at time zone sp.timezone,
      ((now() at time zone sp.timezone)::date + make_time(9 + (n * 2 + p.k) % 8, (n % 2) * 30, 0)) at time zone sp.timezone + make_interval(mins => s.duration_minutes),
      'confirmed'
    from generate_series(0, 2) n
    join (select id, (row_number() over (order by id) - 1)::int as k from providers where spa_id = ${spaId}) p on true
    join spas sp on sp.id = ${spaId}
    join lateral (select id from customers where spa_id = ${spaId} order by id offset n * 3 + p.k limit 1) c on true
    join lateral (select s.id, s.duration_minutes from services s join provider_services ps on ps.service_id = s.id
      where ps.provider_id = p.id order by s.id offset n limit 1) s on true`.execute(db);
  await db
    .insertInto('staff_messages')
    .values([
      { spa_id: spaId, caller_name: 'Dana Whitfield', callback_number: '+12025550161', reason: 'Question about the invoice for last week’s peel' },
      { spa_id: spaId, caller_name: 'Marcus Bell', callback_number: '+12025550188', reason: 'Wants to speak to Dr. Chen about filler aftercare' },
    ])
    .execute();
  await addPerson(db, spaId, 'owner@willow.test', 'owner');

  const realtime = await FakeRealtimeServer.start();
  teardowns.push(() => realtime.close());
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
    DATA_DIR: path.join(dir, 'data'),
    PUBLIC_BASE_URL: origin,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    OPENAI_API_KEY: 'sk-screenshots',
    OPENAI_REALTIME_URL: realtime.url,
    METRICS_PORT: '0',
    // The call in progress stays in progress while it is photographed.
    IDLE_PROMPT_SECONDS: '3600',
    IDLE_HANGUP_SECONDS: '3600',
  });
  const app = await buildApp({ config, database: { db, embedded: false, description: 'screenshots', url, close: async () => {} }, logger: pino({ level: 'silent' }), consoleDir: await buildConsole() });
  teardowns.push(() => app.close({ drainMs: 0, wrapUpMs: 0 }));
  await app.fastify.listen({ port, host: '127.0.0.1' });

  // One call in progress while Today is photographed.
  realtime.configure = (c) => c.replies.push({ text: 'Thank you for calling Willow and Oak, this is Ava. How can I help?', audioMs: 300 });
  const call = new FakeTwilioCall({ baseUrl: origin, publicBaseUrl: origin, authToken: AUTH_TOKEN, from: '+12025550199' });
  await call.dial();
  await call.heardAll(300);
  teardowns.push(() => call.hangUp());

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await mkdir(OUT, { recursive: true });
  const shoot = async (name: string, path_: string, ready: (p: Page) => Promise<unknown>, options: { fullPage?: boolean } = {}) => {
    await page.goto(`${origin}/console${path_}`);
    await ready(page);
    await page.locator('.spinner').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(OUT, `console-${name}.png`), fullPage: options.fullPage ?? false });
    process.stdout.write(`.readme/console-${name}.png\n`);
  };

  await shoot('login', '/login', (p) => p.locator('input[name=email]').waitFor());
  await page.fill('input[name=email]', 'owner@willow.test');
  await page.fill('input[name=password]', GOOD_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${origin}/console/`);
  await shoot('today', '/', (p) => p.locator('section[aria-labelledby="live-calls-heading"] li').first().waitFor());
  await page.setViewportSize({ width: 820, height: 1180 });
  await shoot('today-tablet', '/', (p) => p.locator('section[aria-labelledby="live-calls-heading"] li').first().waitFor());
  await page.setViewportSize({ width: 1366, height: 900 });
  await shoot('conversations', '/conversations', (p) => p.locator('table tbody tr').first().waitFor());
  const latest = await db.selectFrom('conversations').select('id').where('spa_id', '=', spaId).where('channel', '=', 'voice').where('outcome', '=', 'booked').orderBy('started_at', 'desc').executeTakeFirstOrThrow();
  await shoot('conversation', `/conversations/${latest.id}`, (p) => p.locator('.timeline li').first().waitFor());
  await shoot('patients', '/patients', (p) => p.locator('table tbody tr').first().waitFor());
  const customer = await db.selectFrom('conversations').select('customer_id').where('id', '=', latest.id).executeTakeFirstOrThrow();
  await shoot('patient', `/patients/${customer.customer_id}`, (p) => p.locator('#patient-details-heading').waitFor());
  await shoot('appointments', '/appointments?view=day', (p) => p.locator('.appointment').first().waitFor());
  await shoot('analytics', '/analytics', (p) => p.locator('.uplot').first().waitFor(), { fullPage: true });
  await shoot('settings', '/settings', (p) => p.locator('#persona-heading').waitFor());
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot('conversations-phone', '/conversations', (p) => p.locator('table tbody tr').first().waitFor());
} finally {
  for (const fn of teardowns.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
