/**
 * Two machines of the service on one database, as on Fly behind one address: failed sign-ins and
 * wrong keys are counted in Postgres, so a guesser gets one budget, not one per machine, and
 * failures arriving at the same moment on both machines are all counted.
 */
import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { buildAnotherMachine, buildTestApp, type TestApp } from '../support/app.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';

function movableClock(start: string) {
  let now = new Date(start).getTime();
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

async function twoMachines(t: Parameters<typeof buildTestApp>[0]) {
  const clock = movableClock('2026-11-20T09:00:00Z');
  const a = await buildTestApp(t, { MACHINE_ID: 'machine-a' }, { now: clock.now });
  const b = await buildAnotherMachine(t, a, { MACHINE_ID: 'machine-b' }, { now: clock.now });
  await addPerson(a.database.db, a.demoSpaId, 'owner@example.com', 'owner');
  return { a, b, clock };
}

function signIn(machine: TestApp, email: string, password: string, address: string) {
  return machine.app.fastify.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: address, payload: { email, password } });
}

t.test("an email's wrong passwords on one machine lock it on the other, unknown emails alike", async (t) => {
  const { a, b, clock } = await twoMachines(t);
  for (let i = 0; i < 5; i++) t.equal((await signIn(a, 'owner@example.com', `wrong-password-${i}`, `198.51.100.${10 + i}`)).statusCode, 401);
  const locked = await signIn(b, 'owner@example.com', GOOD_PASSWORD, '198.51.100.99');
  t.equal(locked.statusCode, 429, 'the other machine refuses even the right password');
  t.equal(locked.json().error.code, 'RATE_LIMITED');
  t.equal(locked.headers['retry-after'], String(15 * 60), 'for the rest of the window begun on the first machine');

  for (let i = 0; i < 3; i++) await signIn(a, 'ghost@example.com', `wrong-password-${i}`, `198.51.100.${20 + i}`);
  for (let i = 0; i < 2; i++) await signIn(b, 'ghost@example.com', `wrong-password-${i}`, `198.51.100.${30 + i}`);
  t.equal((await signIn(a, 'ghost@example.com', 'whatever-password', '198.51.100.98')).statusCode, 429, 'an unknown email: 3 failures here and 2 there are 5');

  clock.advance(15 * 60_000 + 1000);
  t.equal((await signIn(b, 'owner@example.com', GOOD_PASSWORD, '198.51.100.97')).statusCode, 204, 'after the window the right password works');
});

t.test('wrong keys from one address on one machine lock the address out of the other', async (t) => {
  const { a, b } = await twoMachines(t);
  const staff = await createApiKey(a.database.db, a.demoSpaId, 'staff', 'front desk');
  const keyed = (machine: TestApp, key: string) =>
    machine.app.fastify.inject({ method: 'GET', url: '/api/v1/calls/live', remoteAddress: '203.0.113.7', headers: { authorization: `Bearer ${key}` } });
  for (let i = 0; i < 6; i++) t.equal((await keyed(a, `rk_guess_a_${i}`)).statusCode, 401);
  for (let i = 0; i < 4; i++) t.equal((await keyed(b, `rk_guess_b_${i}`)).statusCode, 401);
  t.equal((await keyed(a, staff.key)).statusCode, 429, '6 failures on one machine and 4 on the other are the 10 that lock the address');
  t.equal((await keyed(b, staff.key)).statusCode, 429);
});

t.test('failures arriving at once on both machines are all counted', async (t) => {
  const { a, b } = await twoMachines(t);
  const guesses = Array.from({ length: 10 }, (_, i) =>
    (i % 2 === 0 ? a : b).app.fastify.inject({ method: 'GET', url: '/api/v1/calls/live', remoteAddress: '203.0.113.8', headers: { authorization: `Bearer rk_guess_${i}` } }),
  );
  t.same((await Promise.all(guesses)).map((res) => res.statusCode), Array(10).fill(401), 'ten wrong keys at once, five on each machine');
  const next = await a.app.fastify.inject({ method: 'GET', url: '/api/v1/calls/live', remoteAddress: '203.0.113.8', headers: { authorization: 'Bearer rk_one_more' } });
  t.equal(next.statusCode, 429, 'all ten were counted: the address is locked');

  const passwords = Array.from({ length: 5 }, (_, i) => signIn(i % 2 === 0 ? a : b, 'owner@example.com', `wrong-password-${i}`, `198.51.100.${40 + i}`));
  t.same((await Promise.all(passwords)).map((res) => res.statusCode), Array(5).fill(401), 'five wrong passwords at once across both machines');
  t.equal((await signIn(b, 'owner@example.com', GOOD_PASSWORD, '198.51.100.49')).statusCode, 429, 'all five were counted: the email is locked');
});

t.test('wrong passwords sent all at once, to both machines, get no more than the 5 tries', async (t) => {
  const { a, b } = await twoMachines(t);
  const burst = Array.from({ length: 10 }, (_, i) => signIn(i % 2 === 0 ? a : b, 'owner@example.com', `wrong-password-${i}`, `198.51.100.${50 + i}`));
  const answers = (await Promise.all(burst)).map((res) => res.statusCode).sort();
  t.same(answers, [...Array(5).fill(401), ...Array(5).fill(429)], 'five are checked, five refused, though all ten arrived before any had failed');
  t.equal((await signIn(a, 'owner@example.com', GOOD_PASSWORD, '198.51.100.70')).statusCode, 429);
});

t.test("a right password does not clear the email's count: 5 failures a window, whoever signs in meanwhile", async (t) => {
  const { a, b } = await twoMachines(t);
  for (let i = 0; i < 4; i++) t.equal((await signIn(a, 'owner@example.com', `wrong-password-${i}`, `198.51.100.${10 + i}`)).statusCode, 401);
  t.equal((await signIn(b, 'owner@example.com', GOOD_PASSWORD, '198.51.100.20')).statusCode, 204, 'the owner signs in');
  t.equal((await signIn(a, 'owner@example.com', 'wrong-password-5', '198.51.100.21')).statusCode, 401);
  t.equal((await signIn(b, 'owner@example.com', GOOD_PASSWORD, '198.51.100.22')).statusCode, 429, 'the fifth failure still locks the email');
});
