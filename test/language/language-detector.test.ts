import t from 'tap';
import { detectLanguage } from '../../src/language/language-detector.js';

t.test('everyday requests to a receptionist are told apart', async (t) => {
  const cases: [string, string][] = [
    ['Hola, quisiera una cita para el martes.', 'es'],
    ['¿Tienen algo el jueves?', 'es'],
    ['Sí, por favor. Me llamo Lucía Gómez.', 'es'],
    ['Do you have a HydraFacial Tuesday at eleven?', 'en'],
    ['Yes please, my name is Jamie Rivera.', 'en'],
    ['Bonjour, je voudrais un rendez-vous.', 'fr'],
    ['Olá, eu gostaria de marcar uma consulta.', 'pt'],
    ['Guten Tag, ich möchte einen Termin.', 'de'],
  ];
  for (const [text, language] of cases) t.equal(detectLanguage(text)?.language, language, text);
});

t.test('too little to go on decides nothing', async (t) => {
  for (const text of ['Sí', 'Okay', 'Hola', 'Jamie Rivera', '', '12:30']) t.equal(detectLanguage(text), null, JSON.stringify(text));
});

t.test('Spanish punctuation counts as Spanish', async (t) => {
  t.equal(detectLanguage('¿Mañana?')?.language, 'es');
});
