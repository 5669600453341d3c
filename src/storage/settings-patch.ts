import { z } from 'zod';
import { e164Schema, isTimeZone, personaSchema, spaSettingsPatchSchema, weeklyHoursSchema } from './spa-profile.js';

/**
 * What an owner may change in the spa's settings (PATCH /api/v1/settings): every field optional,
 * nothing unknown. The API validates with this schema and `applySettings` takes its inferred type,
 * so the two cannot drift apart.
 */

export const settingsPatchSchema = z
  .object({
    name: z.string().min(1).max(200),
    address: z.string().min(1).max(300),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone'),
    transferNumber: e164Schema.nullable(),
    persona: personaSchema.partial(),
    hours: weeklyHoursSchema,
    settings: spaSettingsPatchSchema,
    services: z
      .array(
        z.object({
          slug: z.string().regex(/^[a-z0-9-]+$/),
          name: z.string().min(1).max(120),
          description: z.string().min(1).max(600),
          durationMinutes: z.number().int().min(5).max(480),
          priceCents: z.number().int().min(0).nullable(),
          priceNote: z.string().max(200).nullable(),
          active: z.boolean().optional(),
        }),
      )
      .max(100),
    providers: z
      .array(
        z.object({
          slug: z.string().regex(/^[a-z0-9-]+$/),
          name: z.string().min(1).max(120),
          title: z.string().min(1).max(200),
          hours: weeklyHoursSchema.nullable(),
          calendarId: z.string().max(300).nullable().optional(),
          services: z.array(z.string()).max(100),
          active: z.boolean().optional(),
        }),
      )
      .max(50),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
