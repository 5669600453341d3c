import t from 'tap';
import { FailedAuthLimit } from '../../src/http/failed-auth-limit.js';
import { createTestDatabase } from '../support/database.js';

t.test('an address is locked out after its failures, until its window ends', async (t) => {
  const { db } = await createTestDatabase(t);
  let now = Date.parse('2026-11-20T09:00:00Z');
  const limit = new FailedAuthLimit({ db, clock: () => new Date(now), kind: 'address', maxFailures: 3, windowMs: 60_000 });
  for (let i = 0; i < 3; i += 1) {
    t.equal(await limit.lockedOutFor('203.0.113.1'), 0, `may try after ${i} failures`);
    await limit.recordFailure('203.0.113.1');
  }
  t.equal(await limit.lockedOutFor('203.0.113.1'), 60, 'locked out for the rest of the window');
  t.equal(await limit.lockedOutFor('203.0.113.2'), 0, 'another address is not');
  now += 45_000;
  t.equal(await limit.lockedOutFor('203.0.113.1'), 15);
  now += 15_000;
  t.equal(await limit.lockedOutFor('203.0.113.1'), 0, 'a new window starts clean');
  await limit.recordFailure('203.0.113.1');
  t.equal(await limit.lockedOutFor('203.0.113.1'), 0, 'one failure in the new window is one');
});

t.test('an email and an address with the same text are counted apart', async (t) => {
  const { db } = await createTestDatabase(t);
  const clock = () => new Date('2026-11-20T09:00:00Z');
  const byAddress = new FailedAuthLimit({ db, clock, kind: 'address', maxFailures: 1, windowMs: 60_000 });
  const byEmail = new FailedAuthLimit({ db, clock, kind: 'email', maxFailures: 1, windowMs: 60_000 });
  await byAddress.recordFailure('same-text');
  t.equal(await byAddress.lockedOutFor('same-text'), 60);
  t.equal(await byEmail.lockedOutFor('same-text'), 0);
});
