/**
 * DPoP (RFC 9449) through the request authenticator: the scheme, the proof header, every §4.3 check with
 * its status and challenge, `cnf.jkt` binding both ways (no downgrade), server nonces, the verified-token
 * cache, and the options. Proofs are made by the independent `dpop` client library where the test needs
 * a correct proof, by hand (jose) where it needs a broken one.
 */
import * as dpop from 'dpop';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import {
  createVerifier,
  isLatchkeyError,
  requireScopes,
  staticKeys,
  type DpopOptions,
  type DpopReplayStore,
  type JwtPayload,
  type KeySource,
  type LatchkeyError,
} from '../src/index.js';
import { createRequestAuthenticator, type RequestAuthOptions, type RequestReader } from '../src/adapter.js';
import { accessTokenHash } from '../src/dpop/proof.js';
import { AUDIENCE, ISSUER, testKey, token } from './helpers/tokens.js';

const PUBLIC_URL = 'https://api.example.test';
const key = testKey('ES256');

/** A request as the test describes it: method, path, and raw headers. */
interface FakeRequest {
  method: string;
  path: string;
  headers: [string, string][];
}
const reader: RequestReader<FakeRequest> = {
  rawHeaders: (request) => request.headers.flat(),
  method: (request) => request.method,
  path: (request) => request.path,
};

function request(headers: Record<string, string | string[]>, path = '/orders', method = 'GET'): FakeRequest {
  return { method, path, headers: Object.entries(headers).flatMap(([name, value]) => [value].flat().map((one): [string, string] => [name, one])) };
}

/** A key source that counts lookups: a verified-token cache hit makes none. */
function countingKeys(): KeySource & { lookups: number } {
  const inner = staticKeys([{ key: key.publicKey, kid: key.kid }]);
  const counting = {
    lookups: 0,
    description: inner.description,
    symmetric: false,
    warm: (events: never) => inner.warm(events),
    getKeys(lookup: never, events: never) {
      counting.lookups++;
      return inner.getKeys(lookup, events);
    },
  };
  return counting;
}

function authenticator(
  dpopOptions: Partial<DpopOptions> | undefined,
  extra: Partial<RequestAuthOptions<JwtPayload, FakeRequest>> = {},
  keys: KeySource = countingKeys(),
) {
  const verifier = createVerifier({ keys, algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE });
  return createRequestAuthenticator<JwtPayload, FakeRequest>(
    { verifier, ...(dpopOptions === undefined ? {} : { dpop: { publicUrl: PUBLIC_URL, ...dpopOptions } }), ...extra },
    reader,
  );
}

async function refusal(run: () => unknown): Promise<LatchkeyError> {
  try {
    await run();
  } catch (error) {
    if (isLatchkeyError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const client = await dpop.generateKeyPair('ES256');
const jkt = await dpop.calculateThumbprint(client.publicKey);
const bound = token(key, { cnf: { jkt } });
const unbound = token(key);
const proofFor = (accessToken = bound, path = '/orders', method = 'GET', nonce?: string) =>
  dpop.generateProof(client, `${PUBLIC_URL}${path}`, method, nonce, accessToken);

// A hand-made proof, for the checks a correct client never fails.
const own = await generateKeyPair('ES256', { extractable: true });
const ownJwk = await exportJWK(own.publicKey);
async function handProof(claims: Record<string, unknown>, header: Record<string, unknown> = {}, signer = own.privateKey): Promise<string> {
  return new SignJWT({ jti: randomUUID(), htm: 'GET', htu: `${PUBLIC_URL}/orders`, iat: Math.floor(Date.now() / 1000), ath: accessTokenHash(bound), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: ownJwk as JWK, ...header })
    .sign(signer);
}

const ALGS = 'algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256"';

describe('DPoP through the request authenticator', () => {
  it('accepts Authorization: DPoP with a proof made by the dpop library, scheme case-insensitive', async () => {
    const auth = authenticator({});
    const result = await auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() }));
    expect(result?.payload).toMatchObject({ cnf: { jkt } });
    expect(await auth.authenticate(request({ authorization: `dpop ${bound}`, DPoP: await proofFor() }))).toMatchObject({ token: bound });
  });

  it('answers synchronously with the memory replay store (no promise per request)', async () => {
    const auth = authenticator({});
    const proof = await proofFor();
    await auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() }));
    const outcome = auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: proof }));
    expect(outcome).not.toBeInstanceOf(Promise);
  });

  it('keeps the verified-token cache on, yet asks every request for a fresh, unreplayed proof', async () => {
    const keys = countingKeys();
    const auth = authenticator({}, {}, keys);
    const first = await proofFor();
    await auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: first }));
    expect(keys.lookups).toBe(1);
    // The token now comes from the cache (no key lookup), but the replayed proof is refused all the same.
    const replay = await refusal(() => auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: first })));
    expect(replay).toMatchObject({ code: 'ERR_DPOP_PROOF_INVALID', status: 401, detail: 'proof jti was already used' });
    expect(await refusal(() => auth.authenticate(request({ authorization: `DPoP ${bound}` })))).toMatchObject({
      code: 'ERR_DPOP_PROOF_INVALID',
      detail: 'no DPoP header',
    });
    await auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() }));
    expect(keys.lookups).toBe(1);
  });

  it('challenges with both schemes, the error in the DPoP one, when a proof fails (RFC 9449 §7.1)', async () => {
    const error = await refusal(() => authenticator({}).authenticate(request({ authorization: `DPoP ${bound}` })));
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer, DPoP error="invalid_dpop_proof", error_description="DPoP no DPoP header", ${ALGS}`);
    expect(error.toJSON()).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP no DPoP header' });
    const missing = await refusal(() => authenticator({}, { realm: 'api' }).authenticate(request({})));
    expect(missing.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", ${ALGS}`);
    const badBearer = await refusal(() => authenticator({ algorithms: ['ES256'] }).authenticate(request({ authorization: 'Bearer a.b.c' })));
    expect(badBearer.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", DPoP algs="ES256"$/);
  });

  it.each([
    ['htm', { htm: 'POST' }, 'proof htm does not match the request method'],
    ['htu of another endpoint', { htu: `${PUBLIC_URL}/admin` }, 'proof htu does not match the request URL'],
    ['htu of another origin', { htu: 'https://evil.example.test/orders' }, 'proof htu does not match the request URL'],
    ['old iat', { iat: Math.floor(Date.now() / 1000) - 120 }, 'proof iat is outside the accepted window'],
    ['ath of another token', { ath: accessTokenHash(unbound) }, 'proof ath does not match the access token'],
    ['no jti', { jti: undefined }, 'proof jti is missing or invalid'],
  ])('refuses a proof with a wrong %s: 401 invalid_dpop_proof', async (_what, claims, detail) => {
    // Signed by the token's own key, so only the one claim is wrong.
    const made = await new SignJWT({
      jti: randomUUID(),
      htm: 'GET',
      htu: `${PUBLIC_URL}/orders`,
      iat: Math.floor(Date.now() / 1000),
      ath: accessTokenHash(bound),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: (await exportJWK(client.publicKey)) as JWK })
      .sign(client.privateKey);
    const error = await refusal(() => authenticator({}).authenticate(request({ authorization: `DPoP ${bound}`, dpop: made })));
    expect(error).toMatchObject({ code: 'ERR_DPOP_PROOF_INVALID', status: 401, bearerError: 'invalid_dpop_proof', detail });
  });

  it.each([
    ['typ', () => handProof({}, { typ: 'JWT' }), 'proof typ is not dpop+jwt'],
    [
      'alg none',
      async () =>
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: ownJwk })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`,
      'proof is not a compact JWS',
    ],
    ['a key other than the token is bound to', () => handProof({}), 'proof key does not match the token cnf.jkt'],
    [
      'a signature by another key than its jwk',
      async () => handProof({}, {}, (await generateKeyPair('ES256')).privateKey),
      'proof signature does not verify with its jwk',
    ],
  ])('refuses a proof with %s', async (_what, make, detail) => {
    const error = await refusal(async () => authenticator({}).authenticate(request({ authorization: `DPoP ${bound}`, dpop: await make() })));
    expect(error).toMatchObject({ code: 'ERR_DPOP_PROOF_INVALID', status: 401, detail });
  });

  it('refuses a second DPoP header: 400 invalid_request', async () => {
    const error = await refusal(async () =>
      authenticator({}).authenticate(request({ authorization: `DPoP ${bound}`, dpop: [await proofFor(), await proofFor()] })),
    );
    expect(error).toMatchObject({ code: 'ERR_BEARER_MALFORMED', status: 400 });
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer, DPoP error="invalid_request", error_description="more than one DPoP header was sent", algs=/);
  });

  it('refuses a DPoP-bound token sent as Bearer, in every mode and from verify() (no downgrade, RFC 9449 §7.2)', async () => {
    for (const auth of [authenticator({}), authenticator(undefined)]) {
      const error = await refusal(() => auth.authenticate(request({ authorization: `Bearer ${bound}`, dpop: 'ignored' })));
      expect(error).toMatchObject({ code: 'ERR_TOKEN_BINDING_INVALID', status: 401, bearerError: 'invalid_token' });
    }
    const verifier = createVerifier({ keys: staticKeys([{ key: key.publicKey, kid: key.kid }]), algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE });
    await expect(verifier.verify(bound)).rejects.toMatchObject({ code: 'ERR_TOKEN_BINDING_INVALID' });
    await expect(verifier.verify(unbound)).resolves.toMatchObject({ token: unbound });
  });

  it('refuses an unbound token sent as DPoP, a malformed cnf, and a cnf it cannot check', async () => {
    const auth = authenticator({});
    expect(await refusal(async () => auth.authenticate(request({ authorization: `DPoP ${unbound}`, dpop: await proofFor(unbound) })))).toMatchObject({
      code: 'ERR_TOKEN_BINDING_INVALID',
    });
    for (const cnf of ['x', { jkt: 7 }, { jwk: ownJwk }]) {
      const odd = token(key, { cnf });
      expect(await refusal(async () => auth.authenticate(request({ authorization: `DPoP ${odd}`, dpop: await proofFor(odd) })))).toMatchObject({
        code: 'ERR_TOKEN_BINDING_INVALID',
        status: 401,
      });
    }
  });

  it('in required mode takes DPoP only: Bearer is no credentials (401, DPoP challenge alone)', async () => {
    const auth = authenticator({ mode: 'required' });
    const error = await refusal(() => auth.authenticate(request({ authorization: `Bearer ${unbound}` })));
    expect(error).toMatchObject({ code: 'ERR_BEARER_MISSING', status: 401 });
    expect(error.headers['WWW-Authenticate']).toBe(`DPoP ${ALGS}`);
    expect(await auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() }))).toMatchObject({ token: bound });
    const failed = await refusal(() => auth.authenticate(request({ authorization: `DPoP ${bound}` })));
    expect(failed.headers['WWW-Authenticate']).toBe(`DPoP error="invalid_dpop_proof", error_description="DPoP no DPoP header", ${ALGS}`);
  });

  it('in disabled mode (or without the option) DPoP is another scheme: no credentials', async () => {
    for (const auth of [authenticator({ mode: 'disabled' }), authenticator(undefined)]) {
      const error = await refusal(async () => auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() })));
      expect(error).toMatchObject({ code: 'ERR_BEARER_MISSING' });
      expect(error.headers['WWW-Authenticate']).toBe('Bearer');
    }
  });

  it('names the failing scope in the DPoP challenge for a DPoP request refused by a guard (403)', async () => {
    const auth = authenticator({});
    const result = await auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() }));
    const guard = auth.guard([requireScopes('admin')]);
    const error = await refusal(() => guard(result, request({})));
    expect(error.status).toBe(403);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer, DPoP error="insufficient_scope", error_description="[^"]+", scope="admin", algs=/);
  });

  it('builds htu from publicUrl (a path prefix, several URLs), never from Host or X-Forwarded-*', async () => {
    const prefixed = authenticator({ publicUrl: 'https://example.test/api/' });
    const proof = await dpop.generateProof(client, 'https://example.test/api/orders', 'GET', undefined, bound);
    expect(await prefixed.authenticate(request({ authorization: `DPoP ${bound}`, dpop: proof }))).toMatchObject({ token: bound });
    const several = authenticator({ publicUrl: ['https://a.example.test', 'https://b.example.test:8443'] });
    for (const url of ['https://A.example.test/orders', 'https://b.example.test:8443/orders']) {
      const made = await dpop.generateProof(client, url, 'GET', undefined, bound);
      expect(await several.authenticate(request({ authorization: `DPoP ${bound}`, dpop: made }))).toMatchObject({ token: bound });
    }
    const elsewhere = await dpop.generateProof(client, 'https://evil.example.test/orders', 'GET', undefined, bound);
    const forged = request({ authorization: `DPoP ${bound}`, dpop: elsewhere, host: 'evil.example.test', 'x-forwarded-host': 'evil.example.test' });
    expect(await refusal(() => several.authenticate(forged))).toMatchObject({
      code: 'ERR_DPOP_PROOF_INVALID',
      detail: 'proof htu does not match the request URL',
    });
  });

  it('requires a server nonce when asked: 401 use_dpop_nonce with DPoP-Nonce, then accepts it (RFC 9449 §8)', async () => {
    const secret = 'a shared nonce secret of 32 bytes or more!';
    const one = authenticator({ nonce: { secret } });
    const first = await refusal(async () => one.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor() })));
    expect(first).toMatchObject({ code: 'ERR_DPOP_NONCE_REQUIRED', status: 401, bearerError: 'use_dpop_nonce' });
    const nonce = first.headers['DPoP-Nonce']!;
    expect(nonce).toMatch(/^[0-9a-z]+\.[\w-]{22}$/);
    expect(first.headers['WWW-Authenticate']).toMatch(/DPoP error="use_dpop_nonce"/);
    expect(await one.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor(bound, '/orders', 'GET', nonce) }))).toMatchObject({
      token: bound,
    });
    // Another instance with the same secret accepts it; one with another secret does not.
    const two = authenticator({ nonce: { secret } });
    expect(await two.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor(bound, '/orders', 'GET', nonce) }))).toMatchObject({
      token: bound,
    });
    const stranger = authenticator({ nonce: true });
    expect(
      await refusal(async () => stranger.authenticate(request({ authorization: `DPoP ${bound}`, dpop: await proofFor(bound, '/orders', 'GET', nonce) }))),
    ).toMatchObject({ code: 'ERR_DPOP_NONCE_REQUIRED' });
  });

  it('waits for an asynchronous replay store, and refuses what it says was seen', async () => {
    const seen = new Set<string>();
    const replayStore: DpopReplayStore = { remember: async (jti) => (seen.has(jti) ? false : (seen.add(jti), true)) };
    const auth = authenticator({ replayStore });
    const proof = await proofFor();
    const outcome = auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: proof }));
    expect(outcome).toBeInstanceOf(Promise);
    expect(await outcome).toMatchObject({ token: bound });
    expect(await refusal(() => auth.authenticate(request({ authorization: `DPoP ${bound}`, dpop: proof })))).toMatchObject({ code: 'ERR_DPOP_PROOF_INVALID' });
    expect([...seen][0]).toBe(`${jkt}.${JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()).jti}`);
  });

  it('refuses at start-up what it cannot honour', () => {
    const verifier = createVerifier({ keys: staticKeys([{ key: key.publicKey, kid: key.kid }]), algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE });
    const make = (options: object) => () => createRequestAuthenticator({ verifier, ...options } as never, { ...reader, query: () => ({}) });
    expect(make({ dpop: { publicUrl: PUBLIC_URL, mod: 'required' } })).toThrow(/unknown option "mod" in the dpop option; did you mean "mode"\?/);
    expect(make({ dpop: {} })).toThrow(/"dpop.publicUrl" is required/);
    expect(make({ dpop: { publicUrl: 'api.example.test' } })).toThrow(/dpop.publicUrl/);
    expect(make({ dpop: { publicUrl: 'https://api.example.test/?x=1' } })).toThrow(/without credentials, query or fragment/);
    expect(make({ dpop: { publicUrl: PUBLIC_URL, algorithms: ['HS256'] } })).toThrow(/not an asymmetric JWS algorithm/);
    expect(make({ dpop: { publicUrl: PUBLIC_URL, mode: 'sometimes' } })).toThrow(/dpop.mode/);
    expect(make({ dpop: { publicUrl: PUBLIC_URL, iatWindowSeconds: 0 } })).toThrow(/iatWindowSeconds/);
    expect(make({ dpop: { publicUrl: PUBLIC_URL, nonce: { secret: 'short' } } })).toThrow(/nonce.secret/);
    expect(make({ dpop: { publicUrl: PUBLIC_URL, replayStore: {} } })).toThrow(/replayStore/);
    expect(make({ dpop: { publicUrl: PUBLIC_URL, mode: 'required' }, allowQueryToken: true })).toThrow(/Authorization header only/);
    // A getToken would hand over a token without its scheme: an unbound Bearer token would pass "required".
    expect(make({ dpop: { publicUrl: PUBLIC_URL, mode: 'required' }, getToken: () => 'a.b.c' })).toThrow(/Authorization header only/);
    expect(make({ mtls: { header: 'x' } })).toThrow(/unknown option "header" in the mtls option/);
    expect(make({ mtls: true })).toThrow(/cannot read the TLS socket/);
  });
});
