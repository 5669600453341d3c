import { z } from 'zod';
import { isIso6391 } from '../language/iso-639-1.js';

/** zod schemas for the JSON columns of `spas` and `providers`: parsed where read, so the rest of the code trusts them. */

export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
export const e164Schema = z.string().regex(E164_PATTERN, 'must be an E.164 phone number such as +12025550100');

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24-hour)');

export const openingSchema = z
  .object({ open: clockTime, close: clockTime })
  .refine((o) => o.open < o.close, 'close must be after open');

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const weeklyHoursSchema = z.object(
  Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(openingSchema).default([])])) as Record<
    Weekday,
    z.ZodDefault<z.ZodArray<typeof openingSchema>>
  >,
);
export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;

export const personaSchema = z.object({
  name: z.string().min(1).max(40),
  greeting: z.string().min(1).max(400),
  tone: z.string().min(1).max(600),
  cancellationNoticeHours: z.number().int().min(0).max(168),
  policies: z.array(z.string().min(1).max(400)).max(20),
});
export type Persona = z.infer<typeof personaSchema>;

export const REALTIME_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

/** The speech-to-speech providers a spa's calls can run on. */
export const REALTIME_PROVIDERS = ['openai', 'gemini'] as const;
export type RealtimeProviderName = (typeof REALTIME_PROVIDERS)[number];

export const turnDetectionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('server_vad'),
    threshold: z.number().min(0).max(1).default(0.5),
    prefixPaddingMs: z.number().int().min(0).max(2000).default(300),
    silenceDurationMs: z.number().int().min(100).max(3000).default(500),
  }),
  z.object({
    type: z.literal('semantic_vad'),
    eagerness: z.enum(['low', 'medium', 'high', 'auto']).default('auto'),
  }),
]);
export type TurnDetection = z.infer<typeof turnDetectionSchema>;

/**
 * Who answers the phone. `receptionist_first`: the receptionist takes every call. `front_desk_first`:
 * during opening hours the front desk rings first and an unanswered call comes to the receptionist.
 * `after_hours_only`: during opening hours the front desk rings and an unanswered call goes to
 * `unansweredFallback`; outside hours the receptionist answers. `dtmf` off: key presses are only noted.
 */
export const ROUTING_MODES = ['receptionist_first', 'front_desk_first', 'after_hours_only'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

const routingFields = {
  mode: z.enum(ROUTING_MODES),
  /** How long the front desk rings before the call moves on (Twilio <Dial timeout>, 5–600 s). */
  frontDeskRingSeconds: z.number().int().min(5).max(120),
  /** after_hours_only: where a call the front desk did not answer goes. */
  unansweredFallback: z.enum(['voicemail', 'receptionist']),
  /** Key presses handled: 0 for a person, digits given to the receptionist as typed. */
  dtmf: z.boolean(),
};

export const routingSchema = z.object({
  mode: routingFields.mode.default('receptionist_first'),
  frontDeskRingSeconds: routingFields.frontDeskRingSeconds.default(20),
  unansweredFallback: routingFields.unansweredFallback.default('voicemail'),
  dtmf: routingFields.dtmf.default(true),
});
export type Routing = z.infer<typeof routingSchema>;
/** A change to the routing: the fields given, the others as they are. */
export const routingPatchSchema = z.object(routingFields).partial().strict();

/**
 * A day the weekly hours do not hold: a holiday or one-off closure (`hours: []`), or other hours
 * that day. Dates are the spa's local dates.
 */
export const hoursExceptionSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD'),
  hours: z.array(openingSchema).max(4),
  note: z.string().max(120).optional(),
});
export type HoursException = z.infer<typeof hoursExceptionSchema>;

/** A two-letter ISO 639-1 language code, as the realtime model's transcription takes it. */
export const ISO_639_1 = /^[a-z]{2}$/;

export const DEFAULT_RECORDING_DISCLOSURE = 'This call is recorded to help us serve you.';

/** Call recording: off until the owner turns it on; kept `retentionDays`; announced in the greeting in the spa's words. */
export const recordingSettingsSchema = z.object({
  enabled: z.boolean().default(false),
  retentionDays: z.number().int().min(1).max(3_650).default(90),
  disclosure: z.string().min(1).max(300).default(DEFAULT_RECORDING_DISCLOSURE),
});
export type RecordingSettings = z.infer<typeof recordingSettingsSchema>;

export const spaSettingsFields = z.object({
  voice: z.enum(REALTIME_VOICES).default('marin'),
  /** The primary language (the first of `languages`); kept for settings written before there were several. */
  language: z.string().min(2).max(10).default('en'),
  /** The languages the receptionist serves patients in, the primary first. Empty when stored before: `[language]`. */
  languages: z.array(z.string().min(2).max(10)).max(10).default([]),
  /** The spa's own words inviting callers to speak another language, said after the greeting ("Para español, hable en español"). */
  languageInvitation: z.string().min(1).max(300).nullable().default(null),
  turnDetection: turnDetectionSchema.default({
    type: 'server_vad',
    threshold: 0.5,
    prefixPaddingMs: 300,
    silenceDurationMs: 500,
  }),
  minNoticeMinutes: z.number().int().min(0).max(10_080).default(120),
  bufferMinutes: z.number().int().min(0).max(120).default(10),
  slotIntervalMinutes: z.number().int().min(5).max(120).default(15),
  reminderLeadHours: z.number().int().min(1).max(168).default(24),
  smsThreadQuietHours: z.number().int().min(1).max(720).default(24),
  followUpAbandonedCalls: z.boolean().default(false),
  /** What the owner means to spend on the receptionist a month (models and Twilio); null: no budget. */
  monthlyBudgetUsd: z.number().positive().max(1_000_000).nullable().default(null),
  routing: routingSchema.default(routingSchema.parse({})),
  /** Holidays, closures and special hours; they win over the weekly hours on their date. */
  hoursExceptions: z.array(hoursExceptionSchema).max(200).default([]),
  /** Who answers the spa's calls. */
  provider: z.enum(REALTIME_PROVIDERS).default('openai'),
  /**
   * Who carries a call on when `provider` cannot be reached, refuses the session or keeps failing:
   * null is "the other provider, when this deployment is configured for it", `none` is no failover.
   */
  fallbackProvider: z.enum([...REALTIME_PROVIDERS, 'none']).nullable().default(null),
  recording: recordingSettingsSchema.default({ enabled: false, retentionDays: 90, disclosure: DEFAULT_RECORDING_DISCLOSURE }),
  /** Transcripts and texts are deleted this many days after the conversation; null: kept. */
  transcriptRetentionDays: z.number().int().min(1).max(3_650).nullable().default(null),
});

/** Settings as stored, with `languages` never empty: a spa set up before it had a list speaks its one `language`. */
export const spaSettingsSchema = spaSettingsFields.transform((settings) => ({
  ...settings,
  languages: settings.languages.length > 0 ? settings.languages : [settings.language],
}));
export type SpaSettings = z.infer<typeof spaSettingsSchema>;

type SettingsShape = typeof spaSettingsFields.shape;

const languageCode = z.string().refine(isIso6391, 'must be an ISO 639-1 language code, such as en or es');

/**
 * A change to some settings: the same fields without their defaults, so a field left out stays
 * as it is instead of going back to its default.
 */
export const spaSettingsPatchSchema = z
  .object(
    Object.fromEntries(Object.entries(spaSettingsFields.shape).map(([key, field]) => [key, field.unwrap().optional()])) as {
      [K in keyof SettingsShape]: z.ZodOptional<ReturnType<SettingsShape[K]['unwrap']>>;
    },
  )
  // Stored values are read leniently (an odd one must never break a call); a change must be a real code.
  .extend({
    language: languageCode.optional(),
    languages: z
      .array(languageCode)
      .min(1, 'must name at least the primary language')
      .max(10)
      .refine((codes) => new Set(codes).size === codes.length, 'must not repeat a language')
      .optional(),
    // Only the routing fields given change (see applySettings).
    routing: routingPatchSchema.optional(),
    // Two exceptions on one date would leave it to chance which one holds.
    hoursExceptions: z
      .array(hoursExceptionSchema)
      .max(200)
      .superRefine((exceptions, ctx) => {
        const seen = new Set<string>();
        exceptions.forEach((exception, index) => {
          if (seen.has(exception.date)) ctx.addIssue({ code: 'custom', path: [index, 'date'], message: `${exception.date} is already in the list: keep one entry a date` });
          seen.add(exception.date);
        });
      })
      .optional(),
    // Only the recording fields given change (`{"recording": {"enabled": true}}` keeps the retention).
    // Without the defaults (zod fills a default even for an optional field), so a field left out stays as it is.
    recording: z
      .object({
        enabled: z.boolean().optional(),
        retentionDays: z.number().int().min(1).max(3_650).optional(),
        disclosure: z.string().min(1).max(300).optional(),
      })
      .strict()
      .optional(),
  });

export const calendarConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local') }),
  z.object({
    type: z.literal('google'),
    calendarId: z.string().min(1),
    auth: z.enum(['service_account', 'oauth']),
  }),
]);
export type CalendarConfig = z.infer<typeof calendarConfigSchema>;

/** The demo spa file in fixtures/, and any spa catalog imported the same way. */
export const spaCatalogSchema = z.object({
  slug: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  address: z.string().min(1),
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as America/New_York'),
  website: z.string().url().nullable().default(null),
  phoneNumbers: z.array(e164Schema).min(1),
  transferNumber: e164Schema.nullable(),
  hours: weeklyHoursSchema,
  persona: personaSchema,
  settings: spaSettingsSchema,
  services: z
    .array(
      z.object({
        slug: z.string().regex(/^[a-z0-9-]+$/),
        name: z.string().min(1),
        description: z.string().min(1),
        durationMinutes: z.number().int().positive(),
        priceCents: z.number().int().min(0).nullable(),
        priceNote: z.string().nullable(),
      }),
    )
    .min(1),
  providers: z
    .array(
      z.object({
        slug: z.string().regex(/^[a-z0-9-]+$/),
        name: z.string().min(1),
        title: z.string().min(1),
        bio: z.string().nullable(),
        hours: weeklyHoursSchema.nullable(),
        services: z.array(z.string()).min(1),
      }),
    )
    .min(1),
});
export type SpaCatalog = z.infer<typeof spaCatalogSchema>;

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
