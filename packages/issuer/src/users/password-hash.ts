/** Password hashing with scrypt: a self-describing hash format, its cost checks, constant-time verification. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { refuseUnknownKeys } from '@latchkey/core/adapter';

/**
 * scrypt cost. The default is OWASP's Password Storage Cheat Sheet minimum for scrypt: N = 2^17, r = 8,
 * p = 1 (128 MiB, on the order of 100–300 ms per hash on a server core).
 */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. Default 131072 (2^17). */
  N: number;
  /** Block size. Default 8. */
  r: number;
  /** Parallelisation. Default 1. */
  p: number;
}

/** The default scrypt cost (OWASP): `{ N: 2 ** 17, r: 8, p: 1 }`. */
export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; node:crypto refuses above maxmem (32 MiB by default).
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/**
 * Throws a `TypeError` unless `cost` is `{ N, r, p }` in bounds: N a power of two in 2^10..2^22, r in
 * 1..32, p in 1..16. Other keys are refused: they would be passed on to scrypt's own options.
 */
export function checkCost(cost: ScryptCost): void {
  if (typeof cost !== 'object' || cost === null) throw new TypeError('scrypt cost must be an object { N, r, p }');
  refuseUnknownKeys(cost, ['N', 'r', 'p'], 'scrypt cost');
  const { N, r, p } = cost;
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 22 || (N & (N - 1)) !== 0)
    throw new TypeError('scrypt cost "N" must be a power of two between 2^10 and 2^22');
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new TypeError('scrypt cost "r" must be an integer between 1 and 32');
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new TypeError('scrypt cost "p" must be an integer between 1 and 16');
}

/** Hashes a password with scrypt: `scrypt$N$r$p$salt$key` (base64url), self-describing so costs can rise later. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  checkCost(cost);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when `password` matches `hash` (from {@link hashPassword}); compares in constant time. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = FORMAT.exec(hash);
  if (match === null) return false;
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  checkCost(cost);
  const expected = Buffer.from(match[5]!, 'base64url');
  const actual = await derive(password, Buffer.from(match[4]!, 'base64url'), cost);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
