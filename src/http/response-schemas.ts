import { z } from 'zod';
import { calendarConfigSchema, personaSchema, spaSettingsFields, weeklyHoursSchema } from '../storage/spa-profile.js';

/**
 * What the staff API answers, for the OpenAPI document (and so the console's generated client: a
 * change here breaks the console's typecheck, not its pages). Objects are loose: a field added to
 * a query reaches the client before it is described here.
 */

const when = z.date();
const maybe = <T extends z.ZodType>(schema: T) => schema.nullable();
/** Micro-dollar amounts as Postgres numerics: decimal strings. */
const usd = z.string();

export const liveCallsResponse = z.object({
  data: z.array(
    z.looseObject({
      callSid: z.string(),
      conversationId: z.string(),
      machineId: z.string(),
      startedAt: when,
      customerName: maybe(z.string()),
      customerPhone: maybe(z.string()),
      fromNumber: maybe(z.string()),
      activity: z.string().describe('What the call is doing, from its latest recorded step, e.g. "checking availability"'),
    }),
  ),
});

const conversationFields = {
  id: z.string(),
  channel: z.enum(['voice', 'sms']),
  status: z.string(),
  outcome: maybe(z.string()),
  outcomeSource: maybe(z.string()),
  summary: maybe(z.string()),
  satisfaction: maybe(z.number()),
  satisfactionReason: maybe(z.string()),
  services: z.array(z.string()),
  followUpNeeded: maybe(z.boolean()),
  analysedAt: maybe(when),
  costUsd: maybe(usd),
  startedAt: when,
  endedAt: maybe(when),
  customerId: maybe(z.string()),
  customerName: maybe(z.string()),
  customerPhone: maybe(z.string()),
  isTest: z.boolean().describe("Held on the console's test line (left out of analytics, costs and follow-up texts)"),
  language: maybe(z.string()).optional().describe('The language the patient spoke (ISO 639-1), once known'),
};

export const conversationListResponse = z.object({
  data: z.array(z.object({ ...conversationFields, durationSeconds: maybe(z.number()), messageCount: z.number() })),
  nextCursor: maybe(z.string()),
});

const appointmentSummary = z.looseObject({
  id: z.string(),
  status: z.string(),
  startsAt: when,
  endsAt: when,
  service: z.string(),
  provider: z.string(),
});

export const conversationDetailResponse = z.object({
  conversation: z.looseObject({ ...conversationFields, questions: z.array(z.string()), analysisError: maybe(z.string()), aiPaused: z.boolean() }),
  messages: z.array(z.looseObject({ seq: z.number(), role: z.string(), text: z.string(), interrupted: z.boolean(), at: when })),
  events: z.array(z.looseObject({ seq: z.number(), type: z.string(), name: maybe(z.string()), data: z.unknown(), at: when })),
  voice: maybe(
    z.looseObject({
      callSid: z.string(),
      fromNumber: maybe(z.string()),
      twilioStatus: z.string(),
      durationSeconds: maybe(z.number()),
      endedBy: maybe(z.string()),
      transferredTo: maybe(z.string()),
      greetingLatencyMs: maybe(z.number()),
      replyLatencyP50Ms: maybe(z.number()),
      replyLatencyP95Ms: maybe(z.number()),
      replyLatencyMaxMs: maybe(z.number()),
      bargeIns: maybe(z.number()),
      model: maybe(z.string()),
    }),
  ),
  appointments: z.array(appointmentSummary),
  recording: z
    .looseObject({
      exists: z.boolean(),
      reason: maybe(z.enum(['off', 'caller_declined', 'failed', 'expired', 'erased'])).describe('Why there is nothing to play (null when there is)'),
      durationMs: maybe(z.number()),
      startedAt: maybe(when).describe("The recording's time zero (the call's start): a message's `at` minus this is its place in the audio"),
      url: maybe(z.string()).describe('Where to play the first part (a stereo μ-law WAV, caller left, receptionist right; Range supported)'),
      legs: z.array(
        z.looseObject({
          recordingId: z.string(),
          status: z.enum(['complete', 'partial']).describe('partial: the machine stopped mid-call; it plays up to the last part written'),
          startedAt: when,
          durationMs: z.number(),
          url: z.string(),
        }),
      ),
      stoppedAtCallersRequest: z.boolean(),
      voicemail: maybe(z.looseObject({ recordingSid: z.string(), url: z.string(), seconds: maybe(z.number()) })),
    })
    .optional()
    .describe('Whether the call was recorded, its parts, how long, where to play it, and why not when it was not'),
  providers: z
    .array(
      z.object({
        provider: z.string(),
        model: maybe(z.string()),
        from: when,
        until: maybe(when),
        why: maybe(z.string()),
        detail: maybe(z.string()),
        usage: maybe(
          z.object({
            inputTextTokens: z.number(),
            inputAudioTokens: z.number(),
            cachedTextTokens: z.number(),
            cachedAudioTokens: z.number(),
            outputTextTokens: z.number(),
            outputAudioTokens: z.number(),
          }),
        ),
        costUsd: maybe(usd),
      }),
    )
    .optional()
    .describe('Which realtime provider served which part of the call'),
  cost: maybe(
    z.looseObject({
      totalUsd: usd,
      components: z.record(z.string(), usd),
      usage: z.record(z.string(), z.number()),
      day: z.string(),
    }),
  ),
});

export const staffMessagesResponse = z.object({
  data: z.array(
    z.looseObject({
      id: z.string(),
      callerName: z.string(),
      callbackNumber: maybe(z.string()),
      reason: z.string(),
      recordingUrl: maybe(z.string()),
      recordingSeconds: maybe(z.number()),
      conversationId: maybe(z.string()),
      customerId: maybe(z.string()),
      handledAt: maybe(when),
      handledBy: maybe(z.string()),
      createdAt: when,
    }),
  ),
});

export const customer = z.looseObject({
  id: z.string(),
  name: maybe(z.string()),
  phone: z.string(),
  email: maybe(z.string()),
  notes: maybe(z.string()),
  smsOptedOutAt: maybe(when),
  createdAt: when,
  erasedAt: maybe(when).describe('Erased at their request (POST /customers/{id}/erase): no details, transcripts, texts or recordings kept'),
});

export const customerListResponse = z.object({ data: z.array(customer), nextAfter: maybe(z.string()) });

export const customerTimelineResponse = z.object({
  customer,
  conversations: z.array(
    z.looseObject({
      id: z.string(),
      channel: z.enum(['voice', 'sms']),
      status: z.string(),
      outcome: maybe(z.string()),
      summary: maybe(z.string()),
      satisfaction: maybe(z.number()),
      followUpNeeded: maybe(z.boolean()),
      startedAt: when,
      endedAt: maybe(when),
    }),
  ),
  upcomingAppointments: z.array(appointmentSummary),
  pastAppointments: z.array(appointmentSummary),
});

export const appointmentListResponse = z.object({
  data: z.array(
    appointmentSummary.extend({
      providerId: z.string(),
      customerId: z.string(),
      customerName: maybe(z.string()),
      customerPhone: z.string(),
      conversationId: maybe(z.string()),
      cancellable: z.boolean().describe('Staff may still cancel it: pending or confirmed, and not over by the server’s clock'),
    }),
  ),
});

export const settingsResponse = z.looseObject({
  name: z.string(),
  address: z.string(),
  timezone: z.string(),
  website: maybe(z.string()),
  transferNumber: maybe(z.string()),
  persona: personaSchema,
  hours: weeklyHoursSchema,
  // The stored settings' shape (the schema that reads them fills `languages`, a transform JSON Schema cannot show).
  settings: spaSettingsFields,
  calendar: calendarConfigSchema,
  services: z.array(
    z.looseObject({
      slug: z.string(),
      name: z.string(),
      description: z.string(),
      durationMinutes: z.number(),
      priceCents: maybe(z.number()),
      priceNote: maybe(z.string()),
      active: z.boolean().describe('Offered to patients; false: kept, but the receptionist no longer offers it'),
    }),
  ),
  providers: z.array(
    z.looseObject({
      slug: z.string(),
      name: z.string(),
      title: z.string(),
      hours: maybe(weeklyHoursSchema),
      calendarId: z.string().nullish(),
      services: z.array(z.string()),
      active: z.boolean().describe('Bookable; false: kept for past appointments, not offered to patients'),
    }),
  ),
});

export const apiKeyListResponse = z.object({
  data: z.array(
    z.looseObject({
      id: z.string(),
      name: z.string(),
      role: z.enum(['owner', 'staff']),
      prefix: z.string(),
      createdAt: when,
      lastUsedAt: maybe(when),
      revokedAt: maybe(when),
    }),
  ),
});

export const dailyAnalyticsResponse = z.object({
  data: z.array(
    z.looseObject({
      day: z.string(),
      calls: z.number(),
      texts: z.number(),
      bookings: z.number(),
      averageCallSeconds: maybe(z.number()),
      medianReplyLatencyMs: maybe(z.number()).describe('Caller stops speaking → first reply audio: the median of the day’s replies (to its 10 ms bucket’s middle)'),
      p95ReplyLatencyMs: maybe(z.number()).describe('The same, 95th percentile (nearest rank)'),
      medianGreetingLatencyMs: maybe(z.number()).describe('Call answered (stream start) → first greeting audio: the median of the day’s calls'),
      p95GreetingLatencyMs: maybe(z.number()).describe('The same, 95th percentile (nearest rank)'),
      bargeIns: z.number().describe('Replies callers talked over that day'),
      voiceMinutes: z.number(),
      costUsd: z.number(),
      averageSatisfaction: maybe(z.number()),
      conversionRate: maybe(z.number()),
    }),
  ),
});

export const usageResponse = z.looseObject({
  from: z.string(),
  to: z.string(),
  totals: z.record(z.string(), maybe(z.number())),
  cost: z.looseObject({ totalUsd: z.number(), voiceUsd: z.number(), textUsd: z.number(), components: z.record(z.string(), z.number()) }),
  costPerCallUsd: maybe(z.number()),
  costPerBookingUsd: maybe(z.number()),
  budget: z.object({
    month: z.string(),
    monthlyBudgetUsd: maybe(z.number()),
    spentUsd: z.number(),
    projectedUsd: z.number(),
    daysElapsed: z.number(),
    daysInMonth: z.number(),
    status: z.enum(['over', 'projected_over', 'on_track', 'not_set']),
  }),
});

export const weeklyDigestResponse = z.object({
  spa: z.string(),
  week: z.object({ from: z.string(), to: z.string() }),
  calls: z.number(),
  texts: z.number(),
  bookings: z.number(),
  conversionRate: maybe(z.number()),
  averageSatisfaction: maybe(z.number()),
  costUsd: z.number(),
  costPerBookingUsd: maybe(z.number()),
  outcomes: z.record(z.string(), z.number()),
  topQuestions: z.array(z.object({ question: z.string(), count: z.number() })),
  topServices: z.array(z.object({ service: z.string(), count: z.number() })),
  callBacks: z.array(
    z.object({
      conversationId: z.string(),
      channel: z.enum(['voice', 'sms']),
      startedAt: when,
      customerName: maybe(z.string()),
      customerPhone: maybe(z.string()),
      summary: maybe(z.string()),
      satisfaction: maybe(z.number()),
      satisfactionReason: maybe(z.string()),
      followUpNeeded: z.boolean(),
      outcome: maybe(z.string()),
      why: z.enum(['unhappy', 'follow_up']),
    }),
  ),
  subject: z.string(),
  text: z.string(),
});

export const analyticsBreakdownResponse = z.object({
  from: z.string(),
  to: z.string(),
  outcomes: z.array(z.object({ outcome: z.string(), count: z.number() })),
  busiestHours: z
    .array(z.object({ weekday: z.number().int().min(1).max(7), hour: z.number().int().min(0).max(23), count: z.number() }))
    .describe('Only hours with conversations; weekday 1 is Monday'),
});

export const erasureResponse = z.object({
  erased: z.literal(true),
  conversations: z.number().describe('Conversations whose transcripts and texts were deleted (the rows stay, for costs and figures)'),
  recordings: z.number().describe('Recordings deleted, objects and rows'),
  appointmentsKept: z.number().describe('Appointments kept, pointing at the patient without personal data'),
});
