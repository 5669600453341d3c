import t from 'tap';
import { nextSendableTime } from '../../src/jobs/quiet-hours.js';

const TZ = 'America/New_York';

t.test('daytime texts go at once; night ones wait for 8 AM in the spa’s time zone', async (t) => {
  t.equal(nextSendableTime(new Date('2026-12-01T17:00:00Z'), TZ).toISOString(), '2026-12-01T17:00:00.000Z', 'noon');
  t.equal(nextSendableTime(new Date('2026-12-02T04:00:00Z'), TZ).toISOString(), '2026-12-02T13:00:00.000Z', '11 PM → 8 AM next day');
  t.equal(nextSendableTime(new Date('2026-12-02T08:00:00Z'), TZ).toISOString(), '2026-12-02T13:00:00.000Z', '3 AM → 8 AM');
  t.equal(nextSendableTime(new Date('2026-03-08T06:30:00Z'), TZ).toISOString(), '2026-03-08T12:00:00.000Z', '1:30 AM on the spring-forward day → 8 AM EDT');
});
