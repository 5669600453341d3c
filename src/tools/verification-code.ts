import { randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Six-digit one-time codes and their hashes. A million codes are quick to try against a fast hash,
 * so the hash is scrypt: trying them all takes far longer than the ten minutes a code lives.
 */

const SCRYPT: ScryptOptions = { N: 16_384, r: 8, p: 1 };
const KEY_BYTES = 32;

export function newVerificationCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The digits of a code as the caller read it out ("482 913", "4-8-2-9-1-3"); undefined if not six. */
export function codeDigits(spoken: string): string | undefined {
  const digits = spoken.replace(/\D/g, '');
  return digits.length === 6 ? digits : undefined;
}

function derive(code: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(code, salt, KEY_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashVerificationCode(code: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${(await derive(code, salt)).toString('base64')}`;
}

export async function verificationCodeMatches(code: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(code, Buffer.from(salt, 'base64'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
