import t from 'tap';
import { FailedAuthLimit } from '../../src/http/failed-auth-limit.js';

t.test('an address is locked out after its failures, until its window ends', async (t) => {
  let now = 1_000_000;
  const limit = new FailedAuthLimit({ maxFailures: 3, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i += 1) {
    t.equal(limit.lockedOutFor('203.0.113.1'), 0, `may try after ${i} failures`);
    limit.recordFailure('203.0.113.1');
  }
  t.equal(limit.lockedOutFor('203.0.113.1'), 60, 'locked out for the rest of the window');
  t.equal(limit.lockedOutFor('203.0.113.2'), 0, 'another address is not');
  now += 45_000;
  t.equal(limit.lockedOutFor('203.0.113.1'), 15);
  now += 15_000;
  t.equal(limit.lockedOutFor('203.0.113.1'), 0, 'a new window starts clean');
  limit.recordFailure('203.0.113.1');
  t.equal(limit.lockedOutFor('203.0.113.1'), 0, 'one failure in the new window is one');
});
