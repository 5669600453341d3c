import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { keywordIn } from '../../src/sms/inbound.js';
import { applySettings } from '../../src/storage/settings-repository.js';
import { signTwilioRequest } from '../../src/telephony/twilio-signature.js';
import { FakeOpenAIResponses } from '../doubles/fake-openai-responses.js';
import { FakeTwilioRest } from '../doubles/fake-twilio-rest.js';
import { startBookingHarness } from '../support/booking-harness.js';
import { until as waitUntil } from '../support/until.js';

const NOW = new Date('2026-11-30T15:00:00Z'); // Monday 10 AM in Washington
const PATIENT = '+12025550199';
let sidCounter = 0;
const nextSid = () => `SM${String(++sidCounter).padStart(32, '0')}`;

async function setup(t: Parameters<typeof startBookingHarness>[0]) {
  const h = await startBookingHarness(t, { calendar: 'local' });
  await applySettings(h.database.db, h.spaId, { settings: { languages: ['en', 'es'] } });
  const rest = await FakeTwilioRest.start();
  const openai = await FakeOpenAIResponses.start();
  t.teardown(() => rest.close());
  t.teardown(() => openai.close());
  const config = loadConfig({
    ...h.config_env,
    TWILIO_AUTH_TOKEN: 'sms-test-token',
    TWILIO_API_BASE_URL: rest.baseUrl,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.baseUrl,
  });
  const app = await buildApp({ config, database: h.database, logger: pino({ level: 'silent' }), jobs: true, now: () => NOW });
  t.teardown(() => app.close());
  const text = async (body: string) => {
    const params = { MessageSid: nextSid(), AccountSid: `AC${'0'.repeat(32)}`, From: PATIENT, To: '+12025550100', Body: body, NumMedia: '0' };
    const res = await app.fastify.inject({
      method: 'POST',
      url: '/twilio/sms',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilioRequest('sms-test-token', 'https://receptionist.test/twilio/sms', params),
      },
      payload: new URLSearchParams(params).toString(),
    });
    if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
  };
  const sent = (n: number) => waitUntil(`${n} text(s) sent`, () => rest.messages().length >= n, 10_000);
  const customer = () => h.database.db.selectFrom('customers').selectAll().where('phone', '=', PATIENT).executeTakeFirstOrThrow();
  return { h, rest, openai, text, sent, customer };
}

t.test('the Spanish keywords are words of their own; a sentence with them is not', async (t) => {
  t.same(keywordIn('PARAR'), { keyword: 'opt-out', language: 'es' });
  t.same(keywordIn(' Alto. '), { keyword: 'opt-out', language: 'es' });
  t.same(keywordIn('cancelar'), { keyword: 'opt-out', language: 'es' }, 'CANCELAR alone is the carrier word, as CANCEL is');
  t.same(keywordIn('¡Ayuda!'), { keyword: 'help', language: 'es' });
  t.same(keywordIn('Comenzar'), { keyword: 'opt-in', language: 'es' });
  t.same(keywordIn('STOP'), { keyword: 'opt-out', language: 'en' });
  t.equal(keywordIn('Quiero cancelar mi cita del jueves'), undefined, 'cancelling an appointment goes to the receptionist');
});

t.test('PARAR opts out with a Spanish confirmation, then nothing; COMENZAR opts back in; AYUDA explains in Spanish', async (t) => {
  const s = await setup(t);
  await s.text('PARAR');
  await s.sent(1);
  t.ok((await s.customer()).sms_opted_out_at, 'opted out');
  t.match(s.rest.messages()[0]?.params, { To: PATIENT, Body: /^Willow & Oak Medical Spa: listo, ya no recibirá más mensajes nuestros\. .*responda COMENZAR\.$/ });
  await s.text('¿A qué hora abren mañana?');
  // A negative check: a reply would come within this time.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  t.equal(s.rest.messages().length, 1, 'nothing more is sent to an opted-out patient');

  await s.text('COMENZAR');
  await s.sent(2);
  t.equal((await s.customer()).sms_opted_out_at, null, 'opted back in');
  t.match(s.rest.messages()[1]?.params.Body, /volverá a recibir nuestros mensajes\. Responda AYUDA/);
  await s.text('AYUDA');
  await s.sent(3);
  t.match(s.rest.messages()[2]?.params.Body, /le atiende nuestra recepcionista virtual.*Responda PARAR/);
  t.equal((await s.customer()).preferred_language, 'es', 'the patient writes Spanish');
});

t.test('English STOP is left to Twilio to confirm, as before', async (t) => {
  const s = await setup(t);
  await s.text('STOP');
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.equal(s.rest.messages().length, 0);
  t.ok((await s.customer()).sms_opted_out_at);
});

t.test('a patient who texts in Spanish is answered in Spanish and remembered as a Spanish speaker', async (t) => {
  const s = await setup(t);
  s.openai.answers.push({ text: '¡Hola! Sí, el HydraFacial cuesta $225 y dura una hora. ¿Le busco un horario?' });
  await s.text('Hola, ¿cuánto cuesta el HydraFacial?');
  await s.sent(1);
  t.match(s.openai.requests[0]?.instructions, /You help patients in English and Spanish\. Reply in the language of the patient's latest text/);
  t.equal((await s.customer()).preferred_language, 'es');
  const thread = await s.h.database.db.selectFrom('conversations').select('language').where('channel', '=', 'sms').executeTakeFirstOrThrow();
  t.equal(thread.language, 'es', 'the thread shows its language');

  s.openai.answers.push({ text: 'Claro, ¿qué día le queda mejor?' });
  await s.text('Sí, por favor');
  await s.sent(2);
  t.match(s.openai.requests.at(-1)?.instructions, /This patient has written or spoken to us in Spanish/);
});
