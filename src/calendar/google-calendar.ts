import type { calendar_v3 } from '@googleapis/calendar';
import { z } from 'zod';
import type { Interval } from './availability.js';
import { CalendarError, type Calendar, type CalendarEventInput } from './calendar.js';

/**
 * The spa's Google Calendar through @googleapis/calendar. The client does not retry POST or PATCH,
 * nor 403 rate limits, so we do: truncated exponential backoff with jitter on 429, 5xx and the
 * rate-limit reasons. Inserts carry our own event id, so a retry after a timeout cannot duplicate.
 */

const googleErrorSchema = z.object({
  status: z.number().optional(),
  code: z.union([z.string(), z.number()]).optional(),
  response: z
    .object({
      status: z.number().optional(),
      data: z
        .object({ error: z.object({ errors: z.array(z.object({ reason: z.string().optional() })).optional() }).optional() })
        .optional()
        .catch(undefined),
    })
    .optional(),
});

interface GoogleFailure {
  status: number | undefined;
  reason: string | undefined;
  networkCode: string | undefined;
}

function describeFailure(error: unknown): GoogleFailure {
  const parsed = googleErrorSchema.safeParse(error);
  if (!parsed.success) return { status: undefined, reason: undefined, networkCode: undefined };
  const status = parsed.data.response?.status ?? parsed.data.status;
  const reason = parsed.data.response?.data?.error?.errors?.[0]?.reason;
  const code = parsed.data.code;
  return { status, reason, networkCode: typeof code === 'string' ? code : undefined };
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

function retryable(failure: GoogleFailure): boolean {
  if (failure.status === undefined) return failure.networkCode !== undefined; // connection reset, timeout
  if (failure.status === 429 || failure.status >= 500) return true;
  return failure.status === 403 && failure.reason !== undefined && RATE_LIMIT_REASONS.has(failure.reason);
}

function toCalendarError(error: unknown, what: string): CalendarError {
  const failure = describeFailure(error);
  if (failure.status === 401 || (failure.status === 403 && !RATE_LIMIT_REASONS.has(failure.reason ?? '')))
    return new CalendarError('CALENDAR_AUTH', `Google refused ${what} (${failure.status} ${failure.reason ?? ''})`.trim(), false, {
      cause: error,
    });
  if (failure.status === 404) return new CalendarError('CALENDAR_NOT_FOUND', `Google could not find ${what}`, false, { cause: error });
  return new CalendarError('CALENDAR_UNAVAILABLE', `Google Calendar did not complete ${what}`, true, { cause: error });
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

// Bounded so a booking answers within the tool's time limit even when Google struggles.
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 1_500 };

export class GoogleCalendar implements Calendar {
  readonly kind = 'google';

  constructor(
    private readonly client: calendar_v3.Calendar,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly requestTimeoutMs = 4_000,
  ) {}

  async busy(calendarIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>> {
    const response = await this.withRetry('the free/busy query', () =>
      this.client.freebusy.query(
        { requestBody: { timeMin: from.toISOString(), timeMax: to.toISOString(), items: calendarIds.map((id) => ({ id })) } },
        { timeout: this.requestTimeoutMs },
      ),
    );
    const calendars = response.data.calendars ?? {};
    const result = new Map<string, Interval[]>();
    for (const id of calendarIds) {
      const entry = calendars[id];
      const reason = entry?.errors?.[0]?.reason;
      // An unshared or deleted calendar comes back as 200 with errors and no busy time: not free.
      if (!entry || reason) {
        throw reason === 'notFound' || !entry
          ? new CalendarError('CALENDAR_NOT_FOUND', `calendar ${id} is not found or not shared with us`, false)
          : new CalendarError('CALENDAR_UNAVAILABLE', `calendar ${id} could not be read (${reason})`, true);
      }
      result.set(
        id,
        (entry.busy ?? []).flatMap((b) => (b.start && b.end ? [{ start: new Date(b.start), end: new Date(b.end) }] : [])),
      );
    }
    return result;
  }

  async createEvent(calendarId: string, event: CalendarEventInput): Promise<void> {
    const body: calendar_v3.Schema$Event = {
      id: event.id,
      status: 'confirmed',
      summary: event.summary,
      description: event.description,
      start: { dateTime: event.start.toISOString(), timeZone: event.timeZone },
      end: { dateTime: event.end.toISOString(), timeZone: event.timeZone },
      extendedProperties: { private: { appointmentId: event.appointmentId } },
      transparency: 'opaque',
    };
    try {
      await this.withRetry('creating the event', () =>
        this.client.events.insert({ calendarId, sendUpdates: 'none', requestBody: body }, { timeout: this.requestTimeoutMs }),
      );
    } catch (error) {
      const cause = error instanceof CalendarError ? error.cause : error;
      if (describeFailure(cause).status !== 409) throw error;
      // The id exists: an earlier attempt got through, or the event was deleted (ids outlive their
      // events). Either way, bring it to the state we want.
      await this.withRetry('confirming the existing event', () =>
        this.client.events.patch(
          { calendarId, eventId: event.id, sendUpdates: 'none', requestBody: { status: 'confirmed', start: body.start, end: body.end } },
          { timeout: this.requestTimeoutMs },
        ),
      );
    }
  }

  async moveEvent(calendarId: string, eventId: string, start: Date, end: Date, timeZone: string): Promise<void> {
    await this.withRetry('moving the event', () =>
      this.client.events.patch(
        {
          calendarId,
          eventId,
          sendUpdates: 'none',
          requestBody: {
            status: 'confirmed',
            start: { dateTime: start.toISOString(), timeZone },
            end: { dateTime: end.toISOString(), timeZone },
          },
        },
        { timeout: this.requestTimeoutMs },
      ),
    );
  }

  async cancelEvent(calendarId: string, eventId: string): Promise<void> {
    try {
      await this.withRetry('cancelling the event', () =>
        this.client.events.delete({ calendarId, eventId, sendUpdates: 'none' }, { timeout: this.requestTimeoutMs }),
      );
    } catch (error) {
      const status = describeFailure(error instanceof CalendarError ? error.cause : error).status;
      if (status === 410 || status === 404) return; // already gone
      throw error;
    }
  }

  private async withRetry<T>(what: string, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await request();
      } catch (error) {
        const failure = describeFailure(error);
        if (attempt >= this.retry.attempts || !retryable(failure)) throw toCalendarError(error, what);
        const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
      }
    }
  }
}
