import t from 'tap';
import { transcriptionLanguage } from '../../src/call/language-hint.js';

t.test('an ISO 639-1 code is the transcription hint, quietly', async (t) => {
  const warnings: unknown[] = [];
  t.equal(transcriptionLanguage('es', (details) => warnings.push(details)), 'es');
  t.same(warnings, []);
});

t.test('anything else gives no hint and a warning naming the value', async (t) => {
  for (const value of ['english', 'EN', 'xx', 'en-US', '']) {
    const warnings: unknown[] = [];
    t.equal(transcriptionLanguage(value, (details) => warnings.push(details)), null, value);
    t.same(warnings, [{ language: value }]);
  }
});
