import t from 'tap';
import { UrlSeals } from '../../src/telephony/url-seal.js';

t.test('a seal opens to its payload until it expires', async (t) => {
  let now = 1_000_000;
  const seals = new UrlSeals('secret', 'front-desk-dial', () => now);
  const sealed = seals.seal({ c: 'CA1', t: 5 }, 60_000);
  t.same(seals.open(sealed), { c: 'CA1', t: 5 });
  now += 60_000;
  t.equal(seals.open(sealed), undefined, 'expired');
});

t.test('a tampered, truncated, foreign or other-purpose seal opens to nothing', async (t) => {
  const now = () => 1_000_000;
  const seals = new UrlSeals('secret', 'front-desk-dial', now);
  const sealed = seals.seal({ c: 'CA1' }, 60_000);
  const [body, signature] = sealed.split('.');
  const forgedBody = Buffer.from(JSON.stringify({ c: 'CA2', exp: now() + 60_000 })).toString('base64url');
  t.equal(seals.open(`${forgedBody}.${signature}`), undefined, 'another payload under the same signature');
  t.equal(seals.open(`${body}.${signature!.slice(0, -2)}`), undefined, 'a truncated signature');
  t.equal(seals.open(body), undefined, 'no signature');
  t.equal(seals.open(`${sealed}.x`), undefined, 'an extra part');
  t.equal(new UrlSeals('secret', 'transfer-whisper', now).open(sealed), undefined, 'made for another purpose');
  t.equal(new UrlSeals('other secret', 'front-desk-dial', now).open(sealed), undefined, 'made with another secret');
  for (const hostile of [undefined, 42, '', '.', 'x'.repeat(5_000), '\u0000.\u0000']) t.equal(seals.open(hostile), undefined);
});
