import t from 'tap';
import { startCallHarness } from '../support/call-harness.js';
import { buildTestApp } from '../support/app.js';
import { addPerson, signIn } from '../support/staff-people.js';

/** An invite's link texted to the phone the owner gives, through Twilio (the REST double), when Twilio is configured. */

t.test('with Twilio configured, the invite link is texted from the spa number to the phone given', async (t) => {
  const h = await startCallHarness(t);
  await addPerson(h.database.db, h.demoSpaId, 'owner@example.com', 'owner');
  const owner = await signIn(h.app.fastify, 'owner@example.com');
  const res = await h.app.fastify.inject({
    method: 'POST',
    url: '/api/v1/invites',
    headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf },
    payload: { email: 'new.desk@example.com', role: 'staff', phone: '+12025550123' },
  });
  t.equal(res.statusCode, 201);
  const body = res.json<{ link: string; texted: boolean }>();
  t.equal(body.texted, true);
  const sent = h.twilioRest.messages();
  t.equal(sent.length, 1, 'one text');
  t.equal(sent[0]?.params.To, '+12025550123');
  t.equal(sent[0]?.params.From, '+12025550100', "from the spa's number");
  t.ok(sent[0]?.params.Body?.includes(body.link), 'carrying the one-time link');
  const entry = await h.database.db.selectFrom('audit_events').select('detail').where('action', '=', 'invite.created').executeTakeFirstOrThrow();
  t.match(entry.detail, { texted: true });
});

t.test('a text Twilio refuses still leaves the invite, with its link shown and `texted: false`', async (t) => {
  const h = await startCallHarness(t);
  await addPerson(h.database.db, h.demoSpaId, 'owner@example.com', 'owner');
  const owner = await signIn(h.app.fastify, 'owner@example.com');
  h.twilioRest.failNext(/Messages\.json$/, 400, 21211);
  const res = await h.app.fastify.inject({
    method: 'POST',
    url: '/api/v1/invites',
    headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf },
    payload: { email: 'new.desk@example.com', role: 'staff', phone: '+12025550123' },
  });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { texted: false, link: /\/console\/invite#token=[\w-]{43}$/ });
});

t.test('without Twilio the phone is not texted and the link is only shown', async (t) => {
  const s = await buildTestApp(t);
  await addPerson(s.database.db, s.demoSpaId, 'owner@example.com', 'owner');
  const owner = await signIn(s.app.fastify, 'owner@example.com');
  const res = await s.app.fastify.inject({
    method: 'POST',
    url: '/api/v1/invites',
    headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf },
    payload: { email: 'new.desk@example.com', role: 'staff', phone: '+12025550123' },
  });
  t.equal(res.statusCode, 201);
  t.match(res.json(), { texted: false, link: /^https:\/\/receptionist\.test\/console\/invite#token=/ });
});
