import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { textLanguage } from '../../src/sms/templates/text-language.js';
import { applySettings } from '../../src/storage/settings-repository.js';
import { receptionistTools } from '../../src/tools/receptionist-tools.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { startBookingHarness, type BookingHarness } from '../support/booking-harness.js';
import { until } from '../support/until.js';

const tools = receptionistTools();
const NOW = new Date('2026-11-30T14:00:00Z'); // Monday 9 AM in Washington
const PATIENT = '+12025550123';

async function bookAsSpanishSpeaker(t: Parameters<typeof startBookingHarness>[0], h: BookingHarness): Promise<FakeTwilioRest> {
  const context = await h.context({ now: NOW, customerPhone: PATIENT });
  await h.database.db.updateTable('customers').set({ preferred_language: 'es' }).where('id', '=', context.customerId!).execute();
  const outcome = await tools.execute(
    'book_appointment',
    JSON.stringify({ service: 'HydraFacial', start: '2026-12-03T13:00:00-05:00', customerName: 'Lucía Gómez' }),
    context,
  );
  if (!outcome.ok) throw new Error(outcome.error.message);
  const rest = await FakeTwilioRest.start();
  t.teardown(() => rest.close());
  const app = await buildApp({
    config: { ...h.config, twilio: { ...h.config.twilio, apiBaseUrl: rest.baseUrl } },
    database: h.database,
    logger: pino({ level: 'silent' }),
    jobs: true,
    now: () => NOW,
  });
  t.teardown(() => app.close());
  await until('the confirmation text', () => rest.messages().length > 0);
  return rest;
}

t.test('a Spanish-speaking patient’s booking is confirmed in Spanish', async (t) => {
  const h = await startBookingHarness(t);
  await applySettings(h.database.db, h.spaId, { settings: { languages: ['en', 'es'] } });
  const rest = await bookAsSpanishSpeaker(t, h);
  t.match(rest.messages()[0]?.params, {
    To: PATIENT,
    Body: 'Willow & Oak Medical Spa: su cita de HydraFacial con Sofia Ramirez quedó reservada para el jueves 3 de diciembre a la 1 p.m., en 1847 Wisconsin Avenue NW, Suite 200. ¿Necesita cambiarla? Responda a este mensaje. Para no recibir más mensajes, responda PARAR.',
  });
});

t.test('a spa that does not serve Spanish texts its primary language to everyone', async (t) => {
  const h = await startBookingHarness(t);
  const rest = await bookAsSpanishSpeaker(t, h);
  t.match(rest.messages()[0]?.params.Body, /^Willow & Oak Medical Spa: you're booked for HydraFacial with Sofia Ramirez on Thursday, December 3 at 1 PM/);
});

t.test('the text language: the patient’s if the spa serves it and we write it, else the primary, else English', async (t) => {
  t.equal(textLanguage('es', ['en', 'es']), 'es');
  t.equal(textLanguage('es', ['en']), 'en');
  t.equal(textLanguage('fr', ['es', 'fr']), 'es', 'no French templates: the primary');
  t.equal(textLanguage(null, ['es', 'en']), 'es');
  t.equal(textLanguage(null, ['de']), 'en');
});
