/** The shared fixture: keys per algorithm, tokens signed with node:crypto, and the file handed to server processes. */
import { randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, createSecretKey } from 'node:crypto';
import { ALGS, generateKeys, signInput, signInputAsync, type Alg, type AlgKeys } from './algs.js';

export const ISSUER = 'https://idp.latchkey.test/';
export const AUDIENCE = 'https://api.latchkey.test';
/** Tokens live long enough for a full run (they are generated once per run). */
const TOKEN_LIFETIME_SECONDS = 6 * 3600;

export interface Jwk {
  kty: string;
  kid: string;
  alg: string;
  use: 'sig';
  [member: string]: unknown;
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds a compact JWS over `claims`, signed with node:crypto directly. */
export function makeToken(keys: AlgKeys, claims: Record<string, unknown>, kid: string = keys.kid): string {
  const input = `${b64({ alg: keys.alg, typ: 'JWT', kid })}.${b64(claims)}`;
  return `${input}.${signInput(keys, Buffer.from(input)).toString('base64url')}`;
}

async function makeTokenAsync(keys: AlgKeys, claims: Record<string, unknown>): Promise<string> {
  const input = `${b64({ alg: keys.alg, typ: 'JWT', kid: keys.kid })}.${b64(claims)}`;
  return `${input}.${(await signInputAsync(keys, Buffer.from(input))).toString('base64url')}`;
}

export function claimsFor(index: number, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return { iss: ISSUER, aud: AUDIENCE, sub: `user-${index}`, iat: nowSeconds, exp: nowSeconds + TOKEN_LIFETIME_SECONDS, jti: `t${index}` };
}

/** `count` distinct valid tokens (different `sub`/`jti`), signed on the thread pool in bounded batches. */
export async function distinctTokens(keys: AlgKeys, count: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    tokens.push(...(await Promise.all(Array.from({ length: size }, (_, i) => makeTokenAsync(keys, claimsFor(start + i, now))))));
  }
  return tokens;
}

/** Two ways to break a valid token: a changed payload (old signature), and a changed signature byte. */
export function tamperedTokens(token: string): string[] {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const forgedPayload = b64({ ...claims, sub: 'admin' });
  const bytes = Buffer.from(signature, 'base64url');
  bytes[bytes.length >> 1]! ^= 0x01;
  return [`${header}.${forgedPayload}.${signature}`, `${header}.${payload}.${bytes.toString('base64url')}`];
}

export function publicJwk(keys: AlgKeys): Jwk {
  const jwk = keys.verifyKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { ...jwk, kty: String(jwk.kty), kid: keys.kid, alg: keys.alg, use: 'sig' };
}

export function publicPem(keys: AlgKeys): string {
  return keys.verifyKey.export({ type: 'spki', format: 'pem' }) as string;
}

/** Everything a run shares: keys per algorithm and the JWK Set served for the asymmetric ones. */
export interface Fixture {
  readonly keys: Readonly<Record<Alg, AlgKeys>>;
  readonly jwks: { keys: Jwk[] };
}

export function createFixture(): Fixture {
  const keys = Object.fromEntries(ALGS.map((alg) => [alg, generateKeys(alg)])) as Record<Alg, AlgKeys>;
  const jwks = { keys: ALGS.filter((alg) => alg !== 'HS256').map((alg) => publicJwk(keys[alg])) };
  return { keys, jwks };
}

/** What an HTTP server process needs: public keys (PEM), the HMAC secret and the JWKS address. */
export interface ServerFixture {
  readonly publicPems: Partial<Record<Alg, string>>;
  readonly kids: Record<Alg, string>;
  readonly hmacSecret: string;
  readonly jwksBase: string;
}

export function writeServerFixture(path: string, fixture: Fixture, jwksBase: string): void {
  const publicPems: Partial<Record<Alg, string>> = {};
  for (const alg of ALGS) if (alg !== 'HS256') publicPems[alg] = publicPem(fixture.keys[alg]);
  const kids = Object.fromEntries(ALGS.map((alg) => [alg, fixture.keys[alg].kid])) as Record<Alg, string>;
  const hmacSecret = fixture.keys.HS256.verifyKey.export().toString('base64');
  const data: ServerFixture = { publicPems, kids, hmacSecret, jwksBase };
  writeFileSync(path, JSON.stringify(data), { mode: 0o600 });
}

export function readServerFixture(path: string): ServerFixture & { verifyKey(alg: Alg): KeyObject } {
  const data = JSON.parse(readFileSync(path, 'utf8')) as ServerFixture;
  return {
    ...data,
    verifyKey: (alg) => (alg === 'HS256' ? createSecretKey(Buffer.from(data.hmacSecret, 'base64')) : createPublicKey(data.publicPems[alg]!)),
  };
}

export function randomKid(): string {
  return randomBytes(8).toString('hex');
}
