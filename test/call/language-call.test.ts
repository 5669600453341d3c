import t from 'tap';
import { applySettings } from '../../src/storage/settings-repository.js';
import type { ClientEvent, FakeRealtimeConnection } from '../doubles/fake-realtime-server.js';
import { conversationOf, startCallHarness, type CallHarness } from '../support/call-harness.js';
import { hangUpAndWait, messagesOf } from '../support/call-scenarios.js';

const CALLER = '+12025550177';
const INVITATION = 'Para español, hable en español.';

async function bilingualSpa(h: CallHarness): Promise<void> {
  await applySettings(h.database.db, h.demoSpaId, { settings: { languages: ['en', 'es'], languageInvitation: INVITATION } });
}

type Transcription = { model?: string; language?: string; prompt?: string };

function transcriptionOf(event: ClientEvent): Transcription | undefined {
  const session = event.session as { audio?: { input?: { transcription?: Transcription } } } | undefined;
  return session?.audio?.input?.transcription;
}

function instructionsOf(event: ClientEvent): string {
  return String((event.session as { instructions?: unknown }).instructions ?? '');
}

/** The session.update events after the first (the session's own configuration). */
function languageUpdates(model: FakeRealtimeConnection): ClientEvent[] {
  return model.received.filter((e) => e.type === 'session.update').slice(1);
}

const pinnedTo = (language: string) => (e: ClientEvent) => transcriptionOf(e)?.language === language;

t.test('a caller who switches to Spanish mid-call: transcription follows, the turns are Spanish, the patient is remembered', async (t) => {
  const h = await startCallHarness(t);
  await bilingualSpa(h);
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: `Thank you for calling Willow and Oak, this is Ava. ${INVITATION}`, audioMs: 100 },
      { text: 'Of course, which day works for you?', audioMs: 100 },
      { text: 'Claro que sí, ¿qué día le viene bien?', audioMs: 100 },
    );
  const call = h.call({ from: CALLER });
  await call.dial();
  const model = await h.realtime.connection(0);
  const opening = await model.waitFor('session.update');
  t.strictSame(
    transcriptionOf(opening),
    { model: 'gpt-4o-mini-transcribe', prompt: 'A patient phoning a medical spa. English, Español.' },
    'no language is pinned while the caller’s is unknown',
  );
  t.match(instructionsOf(opening), /You serve callers in English and Spanish/);
  await model.waitFor('response.create');
  t.match(model.responseCreates[0]?.instructions, `exactly these words: "Thank you for calling Willow and Oak Medical Spa`);
  t.match(model.responseCreates[0]?.instructions, `${INVITATION}"`, 'the greeting ends with the spa’s invitation');
  await call.heardAll(100);

  await model.callerTurn({ transcript: 'Hi, I would like to book a facial, please.' });
  const english = await model.waitFor('session.update', pinnedTo('en'));
  t.match(instructionsOf(english), /This caller speaks English/);
  await call.heardAll(200);

  await model.callerTurn({ transcript: 'Perdón, ¿puedo hablar en español? Quisiera una cita para el martes.' });
  const spanish = await model.waitFor('session.update', pinnedTo('es'));
  t.match(instructionsOf(spanish), /This caller speaks Spanish: speak Spanish with them/);
  t.strictSame(transcriptionOf(spanish), { model: 'gpt-4o-mini-transcribe', language: 'es' });
  t.equal(languageUpdates(model).length, 2, 'one update per switch, none for turns in the same language');
  await call.heardAll(300);
  await model.callerTurn({ transcript: 'El martes por la tarde, por favor.' });
  await call.heardAll(400);
  await hangUpAndWait(h, call);

  const conversation = await conversationOf(h, call);
  t.equal(conversation.language, 'es', 'the conversation was held in Spanish');
  const said = (await messagesOf(h, conversation.id)).filter((m) => m.role === 'customer').map((m) => m.text);
  t.same(said.slice(1), ['Perdón, ¿puedo hablar en español? Quisiera una cita para el martes.', 'El martes por la tarde, por favor.']);
  const customer = await h.database.db.selectFrom('customers').select('preferred_language').where('phone', '=', CALLER).executeTakeFirstOrThrow();
  t.equal(customer.preferred_language, 'es');
  const switches = await h.database.db
    .selectFrom('conversation_events')
    .select('data')
    .where('conversation_id', '=', conversation.id)
    .where('type', '=', 'language')
    .orderBy('seq')
    .execute();
  t.same(
    switches.map((e) => e.data),
    [{ language: 'en' }, { language: 'es' }],
  );

  // The next call from that number starts in Spanish.
  const again = h.call({ from: CALLER });
  await again.dial();
  const second = await h.realtime.connection(1);
  const secondOpening = await second.waitFor('session.update');
  t.match(instructionsOf(secondOpening), /This caller speaks Spanish/);
  await second.waitFor('response.create');
  t.match(second.responseCreates[0]?.instructions, /Greet the caller now, warmly and naturally, in Spanish: they have spoken Spanish with us before/);
  t.notOk(transcriptionOf(secondOpening)?.language, 'transcription is pinned only once this call has heard the caller');
  await again.heardAll(100);
  await second.callerTurn({ transcript: 'Hola, soy yo otra vez. ¿Tienen algo el jueves?' });
  await second.waitFor('session.update', pinnedTo('es'));
  await hangUpAndWait(h, again);
});

t.test('a caller in a language the spa does not serve is answered in its primary language, politely', async (t) => {
  const h = await startCallHarness(t);
  await bilingualSpa(h);
  const call = h.call({ from: CALLER });
  await call.dial();
  const model = await h.realtime.connection(0);
  const opening = await model.waitFor('session.update');
  t.match(
    instructionsOf(opening),
    /If the caller speaks a language other than English and Spanish, say briefly and kindly, in their language if you can and in English, that you can help in English and Spanish, then carry on in English/,
  );
  await call.heardAll(400);
  await model.callerTurn({ transcript: 'Bonjour, je voudrais prendre un rendez-vous pour un soin du visage.' });
  await call.heardAll(800);
  await hangUpAndWait(h, call);

  t.same(languageUpdates(model), [], 'the session is not switched');
  const conversation = await conversationOf(h, call);
  const events = await h.database.db
    .selectFrom('conversation_events')
    .select(['name', 'data'])
    .where('conversation_id', '=', conversation.id)
    .where('type', '=', 'language')
    .execute();
  t.same(events, [{ name: 'unsupported', data: { language: 'fr', answeredIn: 'en' } }]);
  const customer = await h.database.db.selectFrom('customers').select('preferred_language').where('phone', '=', CALLER).executeTakeFirstOrThrow();
  t.equal(customer.preferred_language, null, 'an unserved language is not remembered as the patient’s');
});

t.test('a spa with one language pins transcription to it from the start, as before', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call({ from: CALLER });
  await call.dial();
  const model = await h.realtime.connection(0);
  const opening = await model.waitFor('session.update');
  t.strictSame(transcriptionOf(opening), { model: 'gpt-4o-mini-transcribe', language: 'en' });
  t.match(instructionsOf(opening), /- Speak English\. If the caller speaks another language/);
  await hangUpAndWait(h, call);
});
