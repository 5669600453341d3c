/** Values a broken or hostile client might put where we expect something sensible. */
import type { SeededRandom } from './seeded-random.js';

const UNICODE = [
  'é', 'ß', 'Ω', '中文', '日本語', 'العربية', '😀', '👩🏽‍⚕️', '\u202e', '\u200b', '\ufeff', '\uffff', 'a\u0301', '\u2028', '𝕏',
];
const CONTROL = ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\r\n', '\u001b', '\u007f'];
const NUMERIC = ['-1', '0', '-0', '1e309', '-1e309', 'NaN', 'Infinity', '0x1f', ' 42 ', '4.5', '9'.repeat(400), '1,000', '+1'];
const TRICKY = [
  "' OR 1=1 --",
  '"; drop table conversations; --',
  '<Response><Say>pwned</Say></Response>',
  ']]><![CDATA[',
  '&amp;&lt;&#0;',
  '{{result.id}}',
  '%s%n%x',
  '../../../etc/passwd',
  '${process.exit()}',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'true',
  '[]',
  '{"a":',
  '\\',
  '%',
  '%zz',
  '%00',
  '+',
];

/** A string from one of several families: empty, ASCII, unicode, control characters, numbers as text, huge. */
export function hostileString(r: SeededRandom, maxLength = 300): string {
  return r.weighted<() => string>([
    [1, () => ''],
    [4, () => r.chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.+', r.int(1, Math.min(maxLength, 40)))],
    [3, () => Array.from({ length: r.int(1, 8) }, () => r.pick(UNICODE)).join('')],
    [2, () => `${r.chars('abc', r.int(0, 3))}${r.pick(CONTROL)}${r.chars('xyz', r.int(0, 3))}`],
    [2, () => r.pick(NUMERIC)],
    [3, () => r.pick(TRICKY)],
    [1, () => r.pick(['A', '\u00e9', '😀', '%']).repeat(r.int(maxLength, maxLength * 4))],
    [1, () => '\ud800' + r.chars('ab', 2)], // a lone surrogate
  ])();
}

/** A phone-number-shaped string, right or wrong. */
export function hostilePhone(r: SeededRandom): string {
  return r.weighted<() => string>([
    [3, () => `+1202555${r.int(1000, 9999)}`],
    [1, () => `+${r.chars('0123456789', r.int(1, 20))}`],
    [1, () => r.pick(['anonymous', 'Restricted', 'client:alice', 'sip:bob@example.com', '+266696687', ''])],
    [1, () => hostileString(r)],
  ])();
}

/** Any JSON value, nested up to `depth`. */
export function randomJson(r: SeededRandom, depth = 3): unknown {
  const leaf = (): unknown =>
    r.weighted<() => unknown>([
      [1, () => null],
      [1, () => r.chance(0.5)],
      [1, () => r.pick([0, -1, 1, 2 ** 53, -(2 ** 63), 1e308, -0, 0.5, 3.14159, 2 ** 64])],
      [3, () => hostileString(r, 60)],
    ])();
  if (depth <= 0) return leaf();
  return r.weighted<() => unknown>([
    [5, leaf],
    [1, () => Array.from({ length: r.int(0, 5) }, () => randomJson(r, depth - 1))],
    [
      1,
      () =>
        Object.fromEntries(
          Array.from({ length: r.int(0, 5) }, () => [r.chance(0.8) ? r.chars('abcdefghij_', r.int(1, 8)) : hostileString(r, 20), randomJson(r, depth - 1)]),
        ),
    ],
  ])();
}

/** A deep copy of `value` with one leaf replaced, deleted, or retyped. */
export function mutateJson(r: SeededRandom, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return r.chance(0.5) ? randomJson(r, 1) : hostileString(r);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || r.chance(0.1)) {
    (copy as Record<string, unknown>)[r.pick(['__proto__', 'constructor', 'extra', hostileString(r, 20)])] = randomJson(r, 1);
    return copy;
  }
  const key = r.pick(keys);
  const current = (copy as Record<string, unknown>)[key];
  r.weighted<() => void>([
    [2, () => delete (copy as Record<string, unknown>)[key]],
    [3, () => ((copy as Record<string, unknown>)[key] = randomJson(r, 2))],
    [4, () => ((copy as Record<string, unknown>)[key] = mutateJson(r, current))],
  ])();
  return copy;
}

/** JSON text, sometimes broken: truncated, with a repeated key, or deeply nested. */
export function jsonText(r: SeededRandom, value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return r.weighted<() => string>([
    [8, () => text],
    [2, () => text.slice(0, r.int(0, Math.max(0, text.length - 1)))],
    [1, () => (text.startsWith('{') && text.length > 2 ? `{"event":"start",${text.slice(1)}` : text)],
    [1, () => '['.repeat(r.int(100, 5_000)) + ']'.repeat(r.int(0, 100))],
  ])();
}
