import { pino } from 'pino';
import { SpaCalendars } from '../../src/calendar/spa-calendars.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { upsertCustomerByPhone } from '../../src/storage/customer-repository.js';
import { sealSecret } from '../../src/storage/secret-box.js';
import { loadSpaProfile, type SpaProfile } from '../../src/storage/spa-repository.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import type { LiveCallControls, PatientTexts, ToolContext } from '../../src/tools/tool.js';
import { FakeGoogleCalendar } from '../doubles/fake-google-calendar.js';
import { createTestDatabase, testDataDir, type TestDatabase } from './database.js';

export const ENCRYPTION_KEY = 'a'.repeat(64);
export const SPA_CALENDAR = 'front-desk@willowandoak.example';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const providerCalendar = (slug: string) => `${slug}@willowandoak.example`;

/** The spa books into Google (the fake): stored refresh token, one calendar per provider. */
export async function connectSpaToGoogle(database: TestDatabase, spaId: string, google: FakeGoogleCalendar): Promise<void> {
  await database.db
    .insertInto('google_credentials')
    .values({ spa_id: spaId, kind: 'oauth_refresh_token', secret: sealSecret(Buffer.from(ENCRYPTION_KEY, 'hex'), 'refresh-token-1') })
    .execute();
  await database.db
    .updateTable('spas')
    .set({ calendar: JSON.stringify({ type: 'google', calendarId: SPA_CALENDAR, auth: 'oauth' }) })
    .where('id', '=', spaId)
    .execute();
  google.addCalendar(SPA_CALENDAR);
  for (const slug of ['maya-chen', 'jordan-ellis', 'sofia-ramirez']) {
    await database.db.updateTable('providers').set({ calendar_id: providerCalendar(slug) }).where('slug', '=', slug).execute();
    google.addCalendar(providerCalendar(slug));
  }
}

export interface BookingHarness {
  database: TestDatabase;
  google: FakeGoogleCalendar;
  config: Config;
  calendars: SpaCalendars;
  spa(): Promise<SpaProfile>;
  spaId: string;
  /** Each provider's Google calendar id, by slug. */
  providerCalendar(slug: string): string;
  context(options?: {
    now?: Date;
    customerPhone?: string | null;
    call?: LiveCallControls;
    conversationId?: string | null;
    channel?: 'voice' | 'sms';
    texts?: PatientTexts;
  }): Promise<ToolContext>;
  /** Events the tools recorded on their conversations, in order. */
  events: { conversationId: string | null; type: string; name: string; data: Record<string, unknown> }[];
  config_env: Record<string, string>;
}

/** The demo spa on a fresh database, connected to the fake Google Calendar (one calendar per provider). */
export async function startBookingHarness(t: Teardown, options: { calendar?: 'google' | 'local' } = {}): Promise<BookingHarness> {
  const database = await createTestDatabase(t);
  const { spaId } = await seedSpa(database.db, await loadDemoSpaCatalog());
  const google = await FakeGoogleCalendar.start();
  t.teardown(() => google.close());
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    DATA_DIR: await testDataDir(t),
    PUBLIC_BASE_URL: 'https://receptionist.test',
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_CLIENT_ID: 'client-id.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'client-secret',
    ENCRYPTION_KEY,
  };
  const config = loadConfig(env);
  if (options.calendar !== 'local') await connectSpaToGoogle(database, spaId, google);
  const calendars = new SpaCalendars(database.db, config);
  const spa = async () => {
    const profile = await loadSpaProfile(database.db, spaId);
    if (!profile) throw new Error('demo spa missing');
    return profile;
  };
  const events: BookingHarness['events'] = [];
  return {
    database,
    events,
    google,
    config,
    calendars,
    spa,
    spaId,
    providerCalendar,
    config_env: env,
    async context(opts = {}) {
      const phone = opts.customerPhone === undefined ? '+12025550123' : opts.customerPhone;
      const customerId = phone ? await upsertCustomerByPhone(database.db, spaId, phone) : null;
      return {
        db: database.db,
        calendars,
        spa: await spa(),
        conversationId: opts.conversationId ?? null,
        customerId,
        customerPhone: phone,
        channel: opts.channel ?? 'voice',
        now: () => opts.now ?? new Date('2026-11-30T14:00:00Z'),
        log: pino({ level: 'silent' }),
        recordEvent: async (type, name, data) => {
          events.push({ conversationId: opts.conversationId ?? null, type, name, data });
        },
        ...(opts.call ? { call: opts.call } : {}),
        ...(opts.texts ? { texts: opts.texts } : {}),
      };
    },
  };
}
