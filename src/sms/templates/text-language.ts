import type { Db } from '../../storage/database.js';
import { spaSettingsSchema } from '../../storage/spa-profile.js';
import { ENGLISH } from './english.js';
import { SPANISH } from './spanish.js';
import type { TextLanguage, TextTemplates } from './text-templates.js';

const TEMPLATES: Record<TextLanguage, TextTemplates> = { en: ENGLISH, es: SPANISH };

function isTextLanguage(code: string | null | undefined): code is TextLanguage {
  return code !== null && code !== undefined && Object.hasOwn(TEMPLATES, code);
}

export function templatesFor(language: TextLanguage): TextTemplates {
  return TEMPLATES[language];
}

/**
 * The language a patient's texts go out in: theirs, when the spa serves it and we write in it;
 * otherwise the spa's primary; otherwise English.
 */
export function textLanguage(preferred: string | null | undefined, spaLanguages: readonly string[]): TextLanguage {
  if (isTextLanguage(preferred) && spaLanguages.includes(preferred)) return preferred;
  const primary = spaLanguages[0];
  return isTextLanguage(primary) ? primary : 'en';
}

/** The texts for this patient of this spa, in their language as `textLanguage` picks it. */
export async function customerTextTemplates(db: Db, spaId: string, customerId: string): Promise<{ language: TextLanguage; texts: TextTemplates }> {
  const row = await db
    .selectFrom('customers as c')
    .innerJoin('spas as s', 's.id', 'c.spa_id')
    .select(['c.preferred_language', 's.settings'])
    .where('c.id', '=', customerId)
    .where('c.spa_id', '=', spaId)
    .executeTakeFirst();
  const languages = row ? spaSettingsSchema.parse(row.settings).languages : [];
  const language = textLanguage(row?.preferred_language, languages);
  return { language, texts: TEMPLATES[language] };
}
