import t from 'tap';
import { spaLanguages, transcriptionFor } from '../../src/call/call-languages.js';
import { buildInstructions, greetingInstructions } from '../../src/call/instructions.js';
import { loadDemoSpaCatalog } from '../../src/storage/seed.js';
import type { SpaProfile } from '../../src/storage/spa-repository.js';

const NOW = new Date('2026-11-30T15:00:00Z');

async function spa(settings: Partial<SpaProfile['settings']>): Promise<SpaProfile> {
  const catalog = await loadDemoSpaCatalog();
  return {
    id: 'spa',
    name: catalog.name,
    address: catalog.address,
    timezone: catalog.timezone,
    website: null,
    transferNumber: null,
    persona: catalog.persona,
    hours: catalog.hours,
    settings: { ...catalog.settings, ...settings },
    calendar: { type: 'local' },
    services: [],
    providers: [],
  };
}

t.test('a stored code the provider would refuse is dropped with a warning; the next valid one is primary', async (t) => {
  const warnings: unknown[] = [];
  const languages = spaLanguages(await spa({ languages: ['english', 'es', 'en'], languageInvitation: 'For English…' }), (d) => warnings.push(d));
  t.same(languages, { codes: ['es', 'en'], primary: 'es', invitation: 'For English…' });
  t.same(warnings, [{ language: 'english' }]);
});

t.test('the invitation is said only by a spa with another language to invite to', async (t) => {
  const one = spaLanguages(await spa({ languages: ['en'], languageInvitation: 'Para español, hable en español.' }), () => {});
  t.equal(one.invitation, null);
  const profile = await spa({ languages: ['en'], languageInvitation: 'Para español, hable en español.' });
  t.notMatch(greetingInstructions(profile, one, null), /Para español/);
});

t.test('a known Spanish speaker is greeted in Spanish, in the spirit of the spa’s words', async (t) => {
  const profile = await spa({ languages: ['en', 'es'], languageInvitation: 'Para español, hable en español.' });
  const languages = spaLanguages(profile, () => {});
  t.match(greetingInstructions(profile, languages, 'es'), /in Spanish: they have spoken Spanish with us before\. Say in natural, idiomatic Spanish what this greeting says/);
  t.match(greetingInstructions(profile, languages, null), /exactly these words: ".* Para español, hable en español\."$/);
  t.match(buildInstructions(profile, NOW, languages, 'es'), /This caller speaks Spanish/);
});

t.test('transcription: the spa’s one language, or none with a prompt until the caller is heard', async (t) => {
  const both = spaLanguages(await spa({ languages: ['en', 'es'] }), () => {});
  t.same(transcriptionFor(both, null), { language: null, prompt: 'A patient phoning a medical spa. English, Español.' });
  t.same(transcriptionFor(both, 'es'), { language: 'es', prompt: null });
  t.same(transcriptionFor(spaLanguages(await spa({ languages: ['es'] }), () => {}), null), { language: 'es', prompt: null });
  t.same(transcriptionFor(spaLanguages(await spa({ languages: ['zz'] }), () => {}), null), { language: null, prompt: null });
});
