/**
 * The DPoP phase's material: one ES256 access token bound (`cnf.jkt`) to one ES256 client key, and proofs
 * for `GET /hello`, each with its own `jti` (a proof is good once). Made with node:crypto, synchronously.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';

/** What every proof names: the public URL of the API, never the address the server listens on. */
export const PUBLIC_URL = 'https://api.bench.test';
export const ISSUER = 'https://idp.bench.test/';
export const AUDIENCE = 'https://api.bench.test';
/** Proofs are made before the run; the servers accept them for an hour (the check costs the same). */
export const IAT_WINDOW_SECONDS = 3600;

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const es256 = (key: KeyObject, input: string): string => sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');

/** What a server process reads: the token key (to verify the token) and the client's public JWK (for the floor). */
export interface DpopServerFixture {
  readonly accessKeyPem: string;
  readonly clientJwk: Record<string, unknown>;
  /**
   * The capacity the adapters' replay store is given: every proof of the run stays in its hour-long window,
   * so the default 100,000 would fill during a full-length cell and refuse the rest (fail closed, 503).
   */
  readonly replayStoreEntries: number;
}

export interface DpopMaterial {
  readonly token: string;
  readonly fixture: Omit<DpopServerFixture, 'replayStoreEntries'>;
  /** A fresh proof, each call another `jti`. */
  proof(): string;
}

export function createDpopMaterial(): DpopMaterial {
  const access = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const client = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clientJwk = client.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  // RFC 7638: the required members in lexicographic order.
  const jkt = createHash('sha256')
    .update(JSON.stringify({ crv: clientJwk.crv, kty: clientJwk.kty, x: clientJwk.x, y: clientJwk.y }))
    .digest('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'bench-user', iat: now, exp: now + 6 * 3600, cnf: { jkt } })}`;
  const token = `${input}.${es256(access.privateKey, input)}`;
  const ath = createHash('sha256').update(token).digest('base64url');
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: clientJwk });
  return {
    token,
    fixture: { accessKeyPem: access.publicKey.export({ format: 'pem', type: 'spki' }).toString(), clientJwk },
    proof() {
      const signingInput = `${header}.${b64({ jti: randomUUID(), htm: 'GET', htu: `${PUBLIC_URL}/hello`, iat: Math.floor(Date.now() / 1000), ath })}`;
      return `${signingInput}.${es256(client.privateKey, signingInput)}`;
    },
  };
}

export function writeDpopFixture(path: string, fixture: DpopServerFixture): void {
  writeFileSync(path, JSON.stringify(fixture));
}
