import t from 'tap';
import { StreamTokens } from '../../src/telephony/stream-token.js';

t.test('a token is redeemed once for its own call', async (t) => {
  const tokens = new StreamTokens('secret', 60_000);
  const token = tokens.issue('CA1', 'conv-1');
  t.match(tokens.redeem(token, 'CA1'), { ok: true, claims: { callSid: 'CA1', conversationId: 'conv-1' } });
  t.same(tokens.redeem(token, 'CA1'), { ok: false, reason: 'reused' });
});

t.test('tokens are bound to the call, the key and the clock', async (t) => {
  let now = 1_000;
  const tokens = new StreamTokens('secret', 60_000, () => now);
  const token = tokens.issue('CA1', 'conv-1');
  t.same(tokens.redeem(token, 'CA2'), { ok: false, reason: 'wrong-call' });
  t.same(new StreamTokens('other', 60_000, () => now).redeem(token, 'CA1'), { ok: false, reason: 'bad-signature' });
  now += 60_001;
  t.same(tokens.redeem(token, 'CA1'), { ok: false, reason: 'expired' });
});

t.test('malformed tokens are refused without throwing', async (t) => {
  const tokens = new StreamTokens('secret', 60_000);
  for (const bad of [undefined, 42, '', 'a', 'a.b.c', 'x'.repeat(1000), '!!.??']) t.equal(tokens.redeem(bad, 'CA1').ok, false);
  const [payload] = tokens.issue('CA1', 'c').split('.');
  t.same(tokens.redeem(`${payload}.AAAA`, 'CA1'), { ok: false, reason: 'bad-signature' });
});
