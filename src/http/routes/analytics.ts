import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  dailyAnalytics,
  spaCalendarToday,
  usageTotals,
  weekHighlights,
  weekOf,
  type UsageTotals,
} from '../../storage/analytics-queries.js';
import { analyticsBreakdown } from '../../storage/analytics-breakdown.js';
import { spaForReports } from '../../storage/spa-lookups.js';
import { authorisedSpa } from '../auth.js';
import { calendarDay } from '../calendar-day.js';
import { HttpError } from '../errors.js';
import { analyticsBreakdownResponse, dailyAnalyticsResponse, usageResponse, weeklyDigestResponse } from '../response-schemas.js';
import { buildWeeklyDigest } from '../weekly-digest.js';

/** /api/v1/analytics: daily figures, usage and cost with the monthly budget, and the owner's weekly digest. */

const localDate = calendarDay;
const range = z.object({ from: localDate.describe("First day, in the spa's time zone"), to: localDate.describe('Last day (inclusive)') });

function checkRange(from: string, to: string): void {
  if (to < from) throw new HttpError(400, 'VALIDATION_FAILED', 'to must not be before from');
  if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) throw new HttpError(400, 'VALIDATION_FAILED', 'at most a year at a time');
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

function usageReport(t: UsageTotals) {
  return {
    totals: {
      conversations: t.conversations,
      calls: t.calls,
      textThreads: t.text_threads,
      textsIn: t.texts_in,
      textsOut: t.texts_out,
      smsSegments: t.sms_segments,
      voiceSeconds: t.voice_seconds,
      voiceBilledMinutes: t.voice_billed_minutes,
      toolCalls: t.tool_calls,
      bookings: t.bookings,
      followUpsNeeded: t.follow_ups,
      unhappy: t.unhappy,
      averageSatisfaction: t.satisfaction_count > 0 ? round(t.satisfaction_sum / t.satisfaction_count, 2) : null,
    },
    cost: {
      totalUsd: round(t.cost_total_usd, 6),
      voiceUsd: round(t.cost_voice_usd, 6),
      textUsd: round(t.cost_sms_usd, 6),
      components: {
        realtimeAudioInUsd: round(t.cost_realtime_audio_in_usd, 6),
        realtimeAudioOutUsd: round(t.cost_realtime_audio_out_usd, 6),
        realtimeCachedInputUsd: round(t.cost_realtime_cached_input_usd, 6),
        realtimeTextUsd: round(t.cost_realtime_text_usd, 6),
        transcriptionUsd: round(t.cost_transcription_usd, 6),
        textRepliesUsd: round(t.cost_text_replies_usd, 6),
        summariesUsd: round(t.cost_summary_usd, 6),
        twilioVoiceUsd: round(t.cost_twilio_voice_usd, 6),
        twilioSmsUsd: round(t.cost_twilio_sms_usd, 6),
      },
    },
    /** What the calls cost (their summaries included), per call. */
    costPerCallUsd: t.calls > 0 ? round(t.cost_voice_usd / t.calls, 4) : null,
    /** Everything, calls and texts, per booking made by the receptionist. */
    costPerBookingUsd: t.bookings > 0 ? round(t.cost_total_usd / t.bookings, 4) : null,
  };
}

const analyticsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock: now } = app;

  app.get('/analytics/daily', {
    schema: {
      tags: ['analytics'],
      summary: "Per day in the spa's time zone: calls, texts, bookings, conversion, call length, reply and greeting latency (median, p95), barge-ins, minutes, cost, satisfaction",
      querystring: range,
      response: { 200: dailyAnalyticsResponse },
    },
  }, async (request) => {
    const { from, to } = request.query;
    checkRange(from, to);
    const spaId = authorisedSpa(request);
    const rows = await dailyAnalytics(db, spaId, (await spaForReports(db, spaId)).timezone, from, to);
    return {
      data: rows.map((row) => ({ ...row, conversionRate: row.calls > 0 ? Math.round((row.bookings / row.calls) * 1000) / 1000 : null })),
    };
  });

  app.get('/analytics/usage', {
    schema: {
      tags: ['analytics'],
      summary: 'Usage and cost in a range of spa days: totals, cost per call and per booking, and this month against the budget',
      querystring: range,
      response: { 200: usageResponse },
    },
  }, async (request) => {
    const { from, to } = request.query;
    checkRange(from, to);
    const spaId = authorisedSpa(request);
    const spa = await spaForReports(db, spaId);
    const today = await spaCalendarToday(db, spa.timezone, now());
    const [totals, month] = await Promise.all([
      usageTotals(db, spaId, from, to),
      usageTotals(db, spaId, today.monthStart, today.monthEnd),
    ]);
    const budget = spa.settings.monthlyBudgetUsd;
    const spent = round(month.cost_total_usd, 6);
    // A straight line through the month so far: what was spent per day, times the days in the month.
    const projected = round((month.cost_total_usd / today.dayOfMonth) * today.daysInMonth, 6);
    return {
      from,
      to,
      ...usageReport(totals),
      budget: {
        month: today.monthStart.slice(0, 7),
        monthlyBudgetUsd: budget,
        spentUsd: spent,
        projectedUsd: projected,
        daysElapsed: today.dayOfMonth,
        daysInMonth: today.daysInMonth,
        status: budget === null ? ('not_set' as const) : spent > budget ? ('over' as const) : projected > budget ? ('projected_over' as const) : ('on_track' as const),
      },
    };
  });

  app.get('/analytics/breakdown', {
    schema: {
      tags: ['analytics'],
      summary: "Outcomes, and conversations started per spa-local weekday and hour (the busiest hours), in a range of spa days",
      querystring: range,
      response: { 200: analyticsBreakdownResponse },
    },
  }, async (request) => {
    const { from, to } = request.query;
    checkRange(from, to);
    const spaId = authorisedSpa(request);
    const spa = await spaForReports(db, spaId);
    return { from, to, ...(await analyticsBreakdown(db, spaId, spa.timezone, from, to)) };
  });

  app.get('/analytics/weekly-digest', {
    schema: {
      tags: ['analytics'],
      summary: "The owner's weekly digest (Monday to Sunday): calls, bookings, cost, top questions, unhappy patients to call back; JSON with an email subject and text",
      querystring: z.object({ week: localDate.optional().describe('Any day of the week wanted; default: last week') }),
      response: { 200: weeklyDigestResponse },
    },
  }, async (request) => {
    const spaId = authorisedSpa(request);
    const spa = await spaForReports(db, spaId);
    const day = request.query.week;
    const week = day ? await weekOf(db, day) : await spaCalendarToday(db, spa.timezone, now()).then((t) => ({ from: t.lastWeekStart, to: t.lastWeekEnd }));
    const [totals, highlights] = await Promise.all([
      usageTotals(db, spaId, week.from, week.to),
      weekHighlights(db, spaId, spa.timezone, week.from, week.to),
    ]);
    return buildWeeklyDigest(spa.name, week, totals, highlights);
  });
};

export default analyticsRoutes;
