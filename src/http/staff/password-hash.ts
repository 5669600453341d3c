import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HttpError } from '../errors.js';

/**
 * Staff passwords, hashed with scrypt (memory-hard, in Node itself: no native package to build).
 * Parameters: N = 2^15, r = 8, p = 3 — one of OWASP's equivalent minimum settings for scrypt
 * (Password Storage Cheat Sheet: N=2^17,p=1 · N=2^16,p=2 · N=2^15,p=3 …): 32 MiB of memory per
 * hash and three passes over it, a 16-byte random salt, a 32-byte key.
 * The parameters are stored with each hash (`scrypt$15$8$3$salt$key`), so raising them later
 * re-hashes nobody: old hashes keep verifying with their own parameters.
 */

const LOG_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 3;
const KEY_BYTES = 32;

/**
 * At most RUNNING hashes at once and WAITING more in line: each takes 32 MiB and tens to hundreds
 * of milliseconds of a core (and a libuv thread, shared with file and DNS work), so a burst of
 * sign-ins must not starve the service. Past that, `PasswordHashingBusy`: a 429.
 */
const RUNNING = 2;
const WAITING = 8;
let running = 0;
const queue: (() => void)[] = [];

/** Answered as 429: the client may simply try again in a moment. */
export class PasswordHashingBusy extends HttpError {
  constructor() {
    super(429, 'RATE_LIMITED', 'Too many sign-ins at once; try again in a few seconds.');
  }
}

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running < RUNNING) running += 1;
  else {
    if (queue.length >= WAITING) throw new PasswordHashingBusy();
    // The finishing hash hands its slot straight to us (running stays the same).
    await new Promise<void>((resolve) => queue.push(resolve));
  }
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next) next();
    else running -= 1;
  }
}

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  return withHashSlot(() => deriveNow(password, salt, logN, r, p));
}

function deriveNow(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG_N, BLOCK_SIZE, PARALLELISM);
  return ['scrypt', LOG_N, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` matches `stored`; a malformed stored hash matches nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !key) return false;
  const params = [Number(logN), Number(r), Number(p)];
  if (!params.every((n) => Number.isInteger(n) && n > 0 && n < 32)) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), params[0] ?? LOG_N, params[1] ?? BLOCK_SIZE, params[2] ?? PARALLELISM);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

let dummy: Promise<string> | undefined;

/**
 * A sign-in for an email nobody has still spends one hash, so the answer takes as long as a
 * wrong password and timing does not tell which emails have accounts.
 */
export async function spendHashTime(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(12).toString('base64url'));
  await verifyPassword(password, await dummy);
}
