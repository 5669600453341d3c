import t from 'tap';
import WebSocket from 'ws';
import { startCallHarness } from '../support/call-harness.js';

t.test('a stream token is refused the second time, before any new model connection', async (t) => {
  const h = await startCallHarness(t);
  const first = h.call();
  await first.dial();
  await h.realtime.connection(0);
  const replay = h.call({ callSid: first.callSid });
  replay.stream = first.stream;
  await replay.connect();
  t.equal(await replay.closed(), 1008);
  t.equal(h.realtime.connections.length, 1, 'the replay opened no model connection');
  first.hangUp();
});

t.test('a forged token is refused with 1008 and opens no model connection', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  call.stream = { url: 'wss://receptionist.test/twilio/media', parameters: { streamToken: 'abc.def', conversationId: 'x' }, action: undefined };
  await call.connect();
  t.equal(await call.closed(), 1008);
  t.equal(h.realtime.connections.length, 0);
});

t.test("a token issued for another call is refused", async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  const other = h.call();
  other.stream = call.stream;
  await other.connect();
  t.equal(await other.closed(), 1008);
});

t.test('an expired token is refused', async (t) => {
  const h = await startCallHarness(t, { env: { STREAM_TOKEN_TTL_SECONDS: '1' } });
  const call = h.call();
  await call.ring();
  // Past the token's one-second lifetime: time passing is the point.
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await call.connect();
  t.equal(await call.closed(), 1008);
});

t.test('a stream that never sends start is closed after 5 seconds', async (t) => {
  const h = await startCallHarness(t);
  const call = h.call();
  await call.ring();
  const started = Date.now();
  await call.connect({ sendStart: false });
  t.equal(await call.closed(7_000), 1008);
  t.ok(Date.now() - started >= 4_900);
});

t.test('a bad signature on the upgrade is refused before the socket opens', async (t) => {
  const h = await startCallHarness(t);
  const socket = new WebSocket(`${h.baseUrl.replace('http', 'ws')}/twilio/media`, { headers: { 'x-twilio-signature': 'forged' } });
  const status = await new Promise<number>((resolve) => {
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => resolve(101));
    socket.on('error', () => {});
  });
  t.equal(status, 403);
});
