import { z } from 'zod';
import type { Config } from '../config/config.js';
import type { Db } from '../storage/database.js';
import { findGoogleCredential } from '../storage/google-credentials-repository.js';
import { openSecret } from '../storage/secret-box.js';
import type { ProviderInfo, SpaProfile } from '../storage/spa-repository.js';
import { CalendarError, type Calendar } from './calendar.js';
import { calendarClient, oauthClient, serviceAccountClient } from './google-auth.js';
import { GoogleCalendar } from './google-calendar.js';
import { LocalCalendar } from './local-calendar.js';

export interface SpaCalendar {
  calendar: Calendar;
  /** The calendar a provider's appointments go in. */
  calendarIdFor(provider: ProviderInfo): string;
}

const serviceAccountKey = z.object({ client_email: z.string(), private_key: z.string() });
const CLIENT_TTL_MS = 10 * 60_000;

/**
 * Which calendar a spa books into. A spa configured for Google gets Google or an error: it never
 * silently falls back to the local calendar, or two systems would each think a slot is free.
 */
export class SpaCalendars {
  private readonly local: LocalCalendar;
  private readonly cache = new Map<string, { calendar: Calendar; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly config: Config,
  ) {
    this.local = new LocalCalendar(db);
  }

  async forSpa(spa: SpaProfile): Promise<SpaCalendar> {
    const settings = spa.calendar;
    if (settings.type === 'local') {
      // Provider ids are unique across spas, so local calendars never mix two spas' bookings.
      return { calendar: this.local, calendarIdFor: (provider) => `local:${provider.id}` };
    }
    return {
      calendar: await this.google(spa.id),
      calendarIdFor: (provider) => provider.calendarId ?? settings.calendarId,
    };
  }

  /** Forget a cached client (after new credentials are stored). */
  forget(spaId: string): void {
    this.cache.delete(spaId);
  }

  private async google(spaId: string): Promise<Calendar> {
    const cached = this.cache.get(spaId);
    if (cached && cached.until > Date.now()) return cached.calendar;
    const row = await findGoogleCredential(this.db, spaId);
    if (!row) throw new CalendarError('CALENDAR_NOT_CONNECTED', 'the spa has not connected its Google Calendar yet', false);
    const key = this.config.encryptionKey;
    if (!key) throw new CalendarError('CALENDAR_NOT_CONNECTED', 'ENCRYPTION_KEY is not set, so Google credentials cannot be read', false);
    const secret = openSecret(key, row.secret);
    const client =
      row.kind === 'service_account'
        ? serviceAccountClient(serviceAccountKey.parse(JSON.parse(secret)))
        : (() => {
            const oauth = oauthClient(this.config);
            oauth.setCredentials({ refresh_token: secret });
            return oauth;
          })();
    const calendar = new GoogleCalendar(calendarClient(this.config, client));
    this.cache.set(spaId, { calendar, until: Date.now() + CLIENT_TTL_MS });
    return calendar;
  }
}
