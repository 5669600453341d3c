import { Writable } from 'node:stream';
import t from 'tap';
import { startCallHarness } from '../support/call-harness.js';

/** Garbage a broken or hostile peer might send on the media stream. */
function malformed(i: number): string | Buffer {
  const kinds: (() => string | Buffer)[] = [
    () => '{not json',
    () => JSON.stringify({ event: 'media', media: { payload: '!!!not base64!!!', timestamp: '1' } }),
    () => JSON.stringify({ event: 'media', media: { payload: 'A'.repeat(20_000), timestamp: '1' } }),
    () => JSON.stringify({ event: 'media', media: { payload: 42, timestamp: {} } }),
    () => JSON.stringify({ event: 'mark', mark: 'not-an-object' }),
    () => JSON.stringify({ event: 'start', start: null }),
    () => JSON.stringify([1, 2, 3]),
    () => JSON.stringify({ noEvent: true }),
    () => Buffer.from([0xff, 0x00, 0x13, 0x37]),
    () => JSON.stringify({ event: 'dtmf', dtmf: { digit: 12345 } }),
  ];
  return kinds[i % kinds.length]!();
}

t.test('1,000 malformed stream messages do not crash the service', async (t) => {
  const h = await startCallHarness(t);
  let sent = 0;
  let closedByService = 0;
  while (sent < 1_000) {
    const call = h.call();
    await call.dial();
    // Keep each stream under the closing threshold part of the time, over it the rest.
    const burst = Math.min(1_000 - sent, 30);
    for (let i = 0; i < burst; i += 1) call.sendRaw(malformed(sent + i));
    sent += burst;
    const code = await Promise.race([call.closed(2_000), new Promise<number>((r) => setTimeout(() => r(0), 300))]);
    if (code === 1007) closedByService += 1;
    else call.hangUp();
  }
  t.ok(closedByService > 0, 'streams that keep sending garbage are closed (1007)');
  // The service still takes calls normally.
  const call = h.call();
  await call.dial();
  await call.waitFor(() => call.heardMs() > 100, 5_000, 'the greeting');
  call.hangUp();
  const health = await fetch(`${h.baseUrl}/healthz`);
  t.equal(health.status, 200);
});

t.test('unknown events are ignored and the call carries on', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.dial();
  for (let i = 0; i < 50; i += 1) call.sendJson({ event: 'future-event', data: i });
  await call.waitFor(() => call.heardMs() > 100, 5_000, 'the greeting');
  t.equal(call.closeCode, undefined);
  call.hangUp();
});

t.test('an oversized message closes only that stream', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.dial();
  call.sendRaw('x'.repeat(200_000));
  t.equal(await call.closed(), 1009);
  const next = h.call();
  await next.dial();
  await next.waitFor(() => next.heardMs() > 100, 5_000, 'the greeting');
  next.hangUp();
});

t.test("an oversized message amid a stream of frames closes it with 1009 and is logged as the peer's fault, not ours", async (t) => {
  const lines: { level: number; msg: string }[] = [];
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const h = await startCallHarness(t, { env: { LOG_LEVEL: 'warn' }, logs });
  const call = h.call();
  await call.dial();
  call.sendRaw('x'.repeat(200_000));
  for (let i = 0; i < 50; i += 1) call.sendJson({ event: 'mark', streamSid: call.streamSid, mark: { name: `m${i}` } });
  t.equal(await call.closed(), 1009);
  await h.app.liveCalls.recordsWritten();
  t.same(
    lines.filter((line) => line.level >= 50).map((line) => line.msg),
    [],
    'nothing at error level: errors are for our own failures',
  );
});

t.test('a plain GET of the media path, without an upgrade, gets 426 in the one error shape', async (t) => {
  const h = await startCallHarness(t);
  const res = await fetch(`${h.baseUrl}/twilio/media`);
  t.equal(res.status, 426);
  t.same(await res.json(), { error: { code: 'UPGRADE_REQUIRED', message: 'This is the Twilio media-stream WebSocket.' } });
});
