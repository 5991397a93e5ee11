import { createServer, type Server } from 'node:http';
import { createSecretKey, generateKeyPairSync, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK } from 'jose';
import { createVerifier, hmacSecrets, staticKeys, isLatchkeyError } from '../src/index.js';
import { AUDIENCE, ISSUER, b64, claims, signRaw, testKey, token, verifierFor } from './helpers/tokens.js';

// Attack classes of RFC 8725 §2 and the CVEs of JWT libraries (reference/verifiers.md §4).
const rsa = testKey('RS256');
const ec = testKey('ES256');
const rsaVerifier = verifierFor(rsa);
const ecVerifier = verifierFor(ec);

describe('alg: none (CVE-2022-23540 class)', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %j with or without a signature', async (alg) => {
    const unsigned = `${b64({ alg })}.${b64(claims())}.`;
    await expect(rsaVerifier.verify(unsigned)).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED' });
    const withSig = `${b64({ alg })}.${b64(claims())}.${b64('sig')}`;
    await expect(rsaVerifier.verify(withSig)).rejects.toMatchObject({ code: 'ERR_JWS_ALG_NOT_ALLOWED', status: 401 });
  });

  it('cannot be configured', () => {
    expect(() => createVerifier({ keys: staticKeys([rsa.publicKey]), algorithms: ['none' as never], issuer: null, audience: null })).toThrow(TypeError);
  });
});

describe('algorithm confusion: public key as HMAC secret (CVE-2022-23541, CVE-2023-48223, CVE-2026-34950)', () => {
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forge = (secret: string) => {
    const input = `${b64({ alg: 'HS256', kid: rsa.kid })}.${b64(claims({ scope: 'admin' }))}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };

  it.each([
    ['SPKI PEM', pem],
    ['PKCS#1 PEM', pkcs1],
    ['PEM with leading whitespace', `  \n${pem}`],
    ['PEM with a zero-width prefix', `\u200b${pkcs1}`],
  ])('refuses an HS256 token MACed with the %s', async (_name, secret) => {
    await expect(rsaVerifier.verify(forge(secret))).rejects.toMatchObject({ code: 'ERR_JWS_ALG_NOT_ALLOWED' });
  });

  it('an asymmetric source can never verify HMAC, even when the alg list is widened', () => {
    expect(() => createVerifier({ keys: staticKeys([pem]), algorithms: ['RS256', 'HS256'], issuer: null, audience: null })).toThrow(/hmacSecrets/);
    expect(() => hmacSecrets(pem)).toThrow(/looks like a public key/);
  });

  it('refuses the public key as an HMAC secret in bytes or a secret KeyObject too (readFileSync without an encoding)', () => {
    for (const secret of [
      Buffer.from(pem),
      new Uint8Array(Buffer.from(pkcs1)),
      createSecretKey(Buffer.from(pem)),
      rsa.publicKey.export({ type: 'spki', format: 'der' }),
    ]) {
      expect(() => hmacSecrets(secret)).toThrow(/looks like a public key/);
      expect(() => hmacSecrets([{ kid: rsa.kid, secret }])).toThrow(/looks like a public key/);
    }
  });

  it('refuses an RS256 token on an ES256 key and the reverse (key type binds the alg)', async () => {
    const both = createVerifier({
      keys: staticKeys([{ key: ec.publicKey, kid: 'shared' }]),
      algorithms: ['RS256', 'ES256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const rsaToken = signRaw({ alg: 'RS256', kid: 'shared' }, claims(), rsa);
    await expect(both.verify(rsaToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('honours the JWK "alg": an RS256-only key refuses PS256 tokens', async () => {
    const jwk = { ...(await exportJWK(rsa.publicKey)), alg: 'RS256', kid: 'only-rs' };
    const verifier = createVerifier({ keys: staticKeys({ keys: [jwk] }), algorithms: ['RS256', 'PS256'], issuer: ISSUER, audience: AUDIENCE });
    await expect(verifier.verify(signRaw({ alg: 'PS256', kid: 'only-rs' }, claims(), rsa))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(verifier.verify(signRaw({ alg: 'RS256', kid: 'only-rs' }, claims(), rsa))).resolves.toBeDefined();
  });
});

describe('psychic ECDSA signatures (CVE-2022-21449 class)', () => {
  it.each([
    ['r = s = 0', Buffer.alloc(64)],
    ['r = s = n (curve order)', Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'.repeat(2), 'hex')],
    ['too short', Buffer.alloc(63, 1)],
    ['DER instead of raw', Buffer.from('3006020101020101', 'hex')],
    ['too long', Buffer.alloc(65, 1)],
  ])('refuses %s', async (_name, signature) => {
    const forged = `${b64({ alg: 'ES256', kid: ec.kid })}.${b64(claims())}.${signature.toString('base64url')}`;
    await expect(ecVerifier.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });
});

describe('ECDSA malleability: one claim set, two valid signatures', () => {
  // P-256's group order: (r, s) and (r, n - s) both verify, and no verifier can refuse either.
  const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const twinOf = (jwt: string): string => {
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const raw = Buffer.from(s, 'base64url');
    const low = BigInt(`0x${raw.subarray(32).toString('hex')}`);
    const twin = Buffer.concat([raw.subarray(0, 32), Buffer.from((N - low).toString(16).padStart(64, '0'), 'hex')]);
    return `${h}.${p}.${twin.toString('base64url')}`;
  };

  it('both forms verify; revocation keyed on jti refuses both, cached or not', async () => {
    const original = token(ec, { jti: 'token-1' });
    const twin = twinOf(original);
    expect(twin).not.toBe(original);
    await expect(ecVerifier.verify(twin)).resolves.toMatchObject({ payload: { jti: 'token-1' } });
    const revoked = new Set<string>();
    for (const tokenCache of [false, true]) {
      revoked.clear();
      const verifier = verifierFor(ec, { tokenCache, isRevoked: (payload) => revoked.has(payload.jti!) });
      await verifier.verify(original);
      await verifier.verify(twin);
      revoked.add('token-1');
      await expect(verifier.verify(original)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED', status: 401 });
      await expect(verifier.verify(twin)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED', status: 401 });
    }
  });
});

describe('keys carried by the token (RFC 8725 §3.10): never chosen, never fetched', () => {
  let server: Server;
  let url: string;
  let hits = 0;
  const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attackerKey = { alg: 'ES256' as const, kid: ec.kid, ...attacker };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.setHeader('content-type', 'application/json');
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['jwk', async () => ({ jwk: await exportJWK(attacker.publicKey) })],
    ['jku', async () => ({ jku: url })],
    ['x5u', async () => ({ x5u: url })],
    ['x5c', async () => ({ x5c: ['MIIB'] })],
  ])("ignores an attacker's %s header", async (_name, extra) => {
    const forged = signRaw({ alg: 'ES256', kid: ec.kid, ...(await extra()) }, claims({ scope: 'admin' }), attackerKey);
    await expect(ecVerifier.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    const forgedNoKid = signRaw({ alg: 'ES256', ...(await extra()) }, claims(), attackerKey);
    await expect(ecVerifier.verify(forgedNoKid)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    expect(hits).toBe(0);
  });
});

describe('header policy', () => {
  it('refuses any crit header (RFC 7515 §4.1.11, CVE-2026-35042)', async () => {
    await expect(ecVerifier.verify(token(ec, {}, { crit: ['exp'], exp: 1 }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
    await expect(ecVerifier.verify(token(ec, {}, { crit: [] }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
  });

  it('refuses b64: false (RFC 7797), detached or not', async () => {
    await expect(ecVerifier.verify(token(ec, {}, { b64: false, crit: ['b64'] }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
    await expect(ecVerifier.verify(token(ec, {}, { b64: false }))).rejects.toMatchObject({ code: 'ERR_JWS_HEADER_INVALID' });
    const [h, , s] = token(ec).split('.');
    await expect(ecVerifier.verify(`${h}..${s}`)).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED' });
  });

  it.each([
    'dpop+jwt',
    'refresh+jwt',
    'secevent+jwt',
    'logout+jwt',
    'id_token+jwt',
    'DPoP+JWT',
    'application/dpop+jwt',
    'Application/Refresh+JWT',
    'x+jwt',
    42,
    null,
    ['at+jwt'],
  ])('refuses, with no typ option, a token typed %j: not an access token (RFC 8725 §3.11, RFC 9068 §4)', async (typ) => {
    await expect(ecVerifier.verify(token(ec, {}, { typ }))).rejects.toMatchObject({
      code: 'ERR_JWS_HEADER_INVALID',
      status: 401,
      bearerError: 'invalid_token',
    });
  });

  it.each([undefined, 'JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt', 'application/jwt', 'JOSE'])(
    'accepts, with no typ option, a token typed %j',
    async (typ) => {
      await expect(ecVerifier.verify(token(ec, {}, { typ }))).resolves.toBeDefined();
    },
  );

  it('refuses an alg outside the allow-list even when a key could verify it', async () => {
    const rs = createVerifier({ keys: staticKeys([{ key: rsa.publicKey, kid: rsa.kid }]), algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE });
    await expect(rs.verify(signRaw({ alg: 'PS256', kid: rsa.kid }, claims(), rsa))).rejects.toMatchObject({ code: 'ERR_JWS_ALG_NOT_ALLOWED' });
  });

  it('refuses a non-string kid or alg', async () => {
    await expect(ecVerifier.verify(token(ec, {}, { kid: 5 }))).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED' });
    await expect(ecVerifier.verify(token(ec, {}, { alg: ['ES256'] }))).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED' });
  });
});

describe('malformed encodings and type confusion', () => {
  const good = token(ec);
  const [h, p, s] = good.split('.') as [string, string, string];

  it.each([
    ['two segments', `${h}.${p}`],
    ['four segments', `${good}.x`],
    ['JWE (five segments)', `${h}.a.b.c.d`],
    ['padding', `${h}=.${p}.${s}`],
    ['standard base64 +', `${h}.${p}.+${s.slice(1)}`],
    ['standard base64 /', `${h}.${p}./${s.slice(1)}`],
    ['whitespace', `${h}.${p} .${s}`],
    ['a newline', `${h}\n.${p}.${s}`],
    ['impossible length', `${h}.${p}.${s}AAA`],
    ['empty', ''],
    ['dots only', '..'],
    ['non-ASCII', `${h}.${p}.${s}é`],
    ['header not JSON', `${b64('{"alg":')}.${p}.${s}`],
    ['header an array', `${b64(['ES256'])}.${p}.${s}`],
    ['header null', `${b64('null')}.${p}.${s}`],
    ['payload an array', `${h}.${b64([1])}.${s}`],
    ['payload a string', `${h}.${b64('"x"')}.${s}`],
    ['payload not UTF-8 JSON', `${h}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.${s}`],
  ])('refuses %s as malformed', async (_name, input) => {
    await expect(ecVerifier.verify(input)).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED', status: 401 });
  });

  it.each([undefined, null, 42, {}, ['a.b.c'], Buffer.from(good)])('refuses a non-string %#', async (input) => {
    await expect(ecVerifier.verify(input as never)).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED' });
  });

  it('checks the size before any decoding', async () => {
    const huge = 'a'.repeat(50 * 1024 * 1024);
    const started = performance.now();
    await expect(ecVerifier.verify(huge)).rejects.toMatchObject({ code: 'ERR_JWT_TOO_LARGE' });
    expect(performance.now() - started).toBeLessThan(50);
    const big = token(ec, { groups: Array.from({ length: 700 }, (_, i) => `group-${i}`) });
    expect(big.length).toBeGreaterThan(10_000);
    await expect(ecVerifier.verify(big)).resolves.toBeDefined();
    await expect(verifierFor(ec, { maxTokenBytes: 1000 }).verify(big)).rejects.toMatchObject({ code: 'ERR_JWT_TOO_LARGE' });
  });

  it('treats __proto__ in claims as data', async () => {
    const tricky = signRaw({ alg: 'ES256', kid: ec.kid }, JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(claims()).slice(1)}`), ec);
    const result = await ecVerifier.verify(tricky);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect((result.payload as Record<string, unknown>).admin).toBeUndefined();
  });

  it('every failure above is a typed LatchkeyError', async () => {
    const error = await ecVerifier.verify(`${h}.${p}`).catch((e: unknown) => e);
    expect(isLatchkeyError(error)).toBe(true);
  });
});

describe('sender-constrained tokens under prototype pollution', () => {
  it('an inherited Object.prototype.cnf neither refuses a plain token nor hides an own cnf from verify()', async () => {
    const key = testKey('HS256');
    const verifier = verifierFor(key, { tokenCache: false });
    const plain = token(key);
    const bound = token(key, { cnf: { jkt: 'thumbprint' } });
    const polluted = Object.prototype as Record<string, unknown>;
    try {
      polluted.cnf = { jkt: 'inherited' };
      await expect(verifier.verify(plain)).resolves.toMatchObject({ token: plain });
      await expect(verifier.verify(bound)).rejects.toMatchObject({ code: 'ERR_TOKEN_BINDING_INVALID' });
    } finally {
      delete polluted.cnf;
    }
    await expect(verifier.verify(plain)).resolves.toMatchObject({ token: plain });
    await expect(verifier.verify(bound)).rejects.toMatchObject({ code: 'ERR_TOKEN_BINDING_INVALID' });
  });
});
