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

t.test('a token carries who is on the call, signed, and stays small enough for a stream parameter', async (t) => {
  const tokens = new StreamTokens('secret', 60_000);
  const context = {
    spaId: '7d0b6a2e-4b1c-4c53-9a55-2f1a0d1e9b11',
    customerId: '0f8e7a9c-1234-4d56-8e9f-abcdefabcdef',
    callerNumber: '+12025550199',
  };
  const callSid = `CA${'a'.repeat(32)}`;
  const conversationId = 'c3a1b2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
  const token = tokens.issue(callSid, conversationId, context);
  t.ok(token.length < 512, `${token.length} characters`);
  t.notMatch(Buffer.from(token.split('.')[0]!, 'base64url').toString(), /Jamie|Rivera|name/i, 'no names');
  t.match(tokens.redeem(token, callSid), { ok: true, claims: { conversationId, leg: 'new', context } });

  const resume = tokens.issue(callSid, conversationId, { ...context, customerId: null, resume: 'transfer-unanswered' });
  t.match(tokens.redeem(resume, callSid), { ok: true, claims: { leg: 'resume', context: { customerId: null, resume: 'transfer-unanswered' } } });

  // Changing what it carries breaks the signature.
  const [payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, s: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
  t.same(new StreamTokens('secret', 60_000).redeem(`${forged}.${signature}`, callSid), { ok: false, reason: 'bad-signature' });
});
