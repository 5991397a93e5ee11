/**
 * The sender-constrained cases of the conformance suite: DPoP (RFC 9449) and certificate-bound tokens
 * (RFC 8705 §3), over real HTTP (and HTTPS with client certificates) on every adapter. Every refusal is
 * checked for its status, its exact challenge and, in JSON rendering, its body; proofs that must pass are
 * made by the independent `dpop` client library.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import * as dpop from 'dpop';
import { createMemoryReplayStore, createVerifier, remoteJwks, requireScopes, type Verifier } from '@latchkey/core';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates, type TestCertificate } from './certificates.js';
import { sendRaw, type ClientTls, type RawResponse } from './send.js';
import type { AdapterHarness, ConformanceApp, ConformanceRoute } from './suite.js';

/** The URL clients call (a proxy in front); the apps listen on 127.0.0.1 and never read `Host`. */
const PUBLIC_URL = 'https://api.conformance.test';
const NONCE_SECRET = 'the conformance nonce secret, 32 bytes or more';
const ALGS = 'algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256"';

const SENDER_CONSTRAINED_ROUTES: readonly ConformanceRoute[] = [
  { path: '/dpop', auth: { dpop: { publicUrl: PUBLIC_URL } }, rules: [] },
  { path: '/dpop/scoped', auth: { dpop: { publicUrl: PUBLIC_URL } }, rules: [requireScopes('admin')] },
  { path: '/dpop/required', auth: { dpop: { publicUrl: PUBLIC_URL, mode: 'required' } }, rules: [] },
  { path: '/dpop/nonce', auth: { dpop: { publicUrl: PUBLIC_URL, nonce: { secret: NONCE_SECRET } } }, rules: [] },
  { path: '/bearer', auth: {}, rules: [] },
  { path: '/mtls/header', auth: { mtls: { certificateHeader: 'x-client-cert' } }, rules: [] },
];
const TLS_ROUTES: readonly ConformanceRoute[] = [{ path: '/mtls', auth: { mtls: true }, rules: [] }];

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A proof signed by hand with node:crypto, for the claims a correct client never gets wrong. */
function handProof(privateKey: KeyObject, jwk: object, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header })}.${b64({ jti: randomUUID(), htm: 'GET', iat: Math.floor(Date.now() / 1000), ...claims })}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Registers the DPoP and mutual-TLS cases for one adapter, once per rendering. */
export function runSenderConstrainedSuite(name: string, harness: AdapterHarness): void {
  describe.each(['json', 'native'] as const)(`${name} sender-constrained tokens (%s errors)`, (rendering) => {
    let idp: MockIdp;
    let verifier: Verifier;
    let app: ConformanceApp;
    let tlsApp: ConformanceApp;
    let certificates: ReturnType<typeof createTestCertificates>;
    let client: dpop.KeyPair;
    let bound: string;
    let unbound: string;
    let scoped: string;

    beforeAll(async () => {
      idp = await createMockIdp({ audience: 'https://api.conformance.test' });
      verifier = createVerifier({ keys: remoteJwks(idp.jwksUri), algorithms: ['RS256'], issuer: idp.issuer, audience: 'https://api.conformance.test' });
      certificates = createTestCertificates();
      // A replay store with room for one proof, fresh for each app (the routes above are shared by all).
      const smallStore: ConformanceRoute = {
        path: '/dpop/small-store',
        auth: { dpop: { publicUrl: PUBLIC_URL, replayStore: createMemoryReplayStore(1) } },
        rules: [],
      };
      app = await harness.start({ verifier, routes: [...SENDER_CONSTRAINED_ROUTES, smallStore], rendering });
      tlsApp = await harness.start({
        verifier,
        routes: TLS_ROUTES,
        rendering,
        // RFC 8705 §3: a self-signed client certificate binds by its thumbprint alone, so no CA checks it.
        tls: { key: certificates.server.key, cert: certificates.server.cert, requestCert: true, rejectUnauthorized: false },
      });
      client = await dpop.generateKeyPair('ES256');
      const jkt = await dpop.calculateThumbprint(client.publicKey);
      bound = await idp.sign({ sub: 'alice', cnf: { jkt } });
      scoped = await idp.sign({ sub: 'alice', scope: 'read:items', cnf: { jkt } });
      unbound = await idp.sign({ sub: 'bob' });
    });
    afterAll(async () => {
      await app?.close();
      await tlsApp?.close();
      await idp?.close();
    });

    const proof = (path = '/dpop', token = bound, method = 'GET', nonce?: string, origin = PUBLIC_URL): Promise<string> =>
      dpop.generateProof(client, `${origin}${path}`, method, nonce, token);
    const call = (path: string, headers: Record<string, string | string[]>, tls?: ClientTls): Promise<RawResponse> =>
      sendRaw(`${tls === undefined ? app.url : tlsApp.url}${path}`, headers, tls);

    /** A refusal: status, the exact challenge, and (JSON rendering) the body's error code. */
    function expectRefused(response: RawResponse, status: number, challenge: string | RegExp, error?: string): void {
      expect(response.status, response.body).toBe(status);
      if (typeof challenge === 'string') expect(response.headers['www-authenticate']).toBe(challenge);
      else expect(response.headers['www-authenticate']).toMatch(challenge);
      for (const token of [bound, unbound, scoped]) expect(response.body).not.toContain(token);
      if (rendering === 'json') expect(JSON.parse(response.body).error).toBe(error);
    }

    it('accepts a DPoP token with a proof made by the dpop library, and refuses the proof replayed', async () => {
      const made = await proof();
      const accepted = await call('/dpop?page=2', { authorization: `DPoP ${bound}`, dpop: made });
      expect(accepted.status, accepted.body).toBe(200);
      expect(JSON.parse(accepted.body)).toMatchObject({ anonymous: false, payload: { sub: 'alice' } });
      // The token is a verified-token cache hit now: the proof is still checked, and refused as a replay.
      const replayed = await call('/dpop', { authorization: `DPoP ${bound}`, dpop: made });
      expectRefused(
        replayed,
        401,
        `Bearer, DPoP error="invalid_dpop_proof", error_description="DPoP proof jti was already used", ${ALGS}`,
        'invalid_dpop_proof',
      );
      expect((await call('/dpop', { authorization: `DPoP ${bound}`, dpop: await proof() })).status).toBe(200);
    });

    it('answers 503 with Retry-After, no challenge, when the memory replay store is full of live proofs', async () => {
      const first = await call('/dpop/small-store', { authorization: `DPoP ${bound}`, dpop: await proof('/dpop/small-store') });
      expect(first.status, first.body).toBe(200);
      const full = await call('/dpop/small-store', { authorization: `DPoP ${bound}`, dpop: await proof('/dpop/small-store') });
      expect([full.status, full.headers['www-authenticate']]).toEqual([503, undefined]);
      expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(full.body).not.toContain(bound);
    });

    it('still takes Bearer tokens without cnf where DPoP is allowed', async () => {
      expect((await call('/dpop', { authorization: `Bearer ${unbound}` })).status).toBe(200);
    });

    it.each([
      ['no DPoP header', async () => undefined, 'no DPoP header'],
      ['a proof for another method', () => proof('/dpop', undefined, 'POST'), 'proof htm does not match the request method'],
      ['a proof for another endpoint', () => proof('/admin'), 'proof htu does not match the request URL'],
      ['a proof for another token (ath)', () => proof('/dpop', 'another.access.token'), 'proof ath does not match the access token'],
    ])('refuses %s: 401 invalid_dpop_proof in the DPoP challenge', async (_what, make, reason) => {
      const made = await make();
      const response = await call('/dpop', made === undefined ? { authorization: `DPoP ${bound}` } : { authorization: `DPoP ${bound}`, dpop: made });
      expectRefused(response, 401, `Bearer, DPoP error="invalid_dpop_proof", error_description="DPoP ${reason}", ${ALGS}`, 'invalid_dpop_proof');
    });

    it('refuses proofs a correct client never sends: wrong typ, a MAC, a private key, an old iat, a key other than cnf.jkt', async () => {
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = other.publicKey.export({ format: 'jwk' });
      const claims = { htu: `${PUBLIC_URL}/dpop`, ath: ath(bound) };
      const cases: [string, string][] = [
        [handProof(other.privateKey, jwk, claims, { typ: 'JWT' }), 'proof typ is not dpop+jwt'],
        [handProof(other.privateKey, jwk, claims, { alg: 'HS256' }), 'proof alg is not allowed'],
        [handProof(other.privateKey, other.privateKey.export({ format: 'jwk' }), claims), 'proof jwk contains private key material'],
        [handProof(other.privateKey, jwk, { ...claims, iat: Math.floor(Date.now() / 1000) - 600 }), 'proof iat is outside the accepted window'],
        [handProof(other.privateKey, jwk, claims), 'proof key does not match the token cnf.jkt'],
        ['not.a.proof', 'proof header is not a JSON object'],
      ];
      for (const [made, reason] of cases) {
        expectRefused(
          await call('/dpop', { authorization: `DPoP ${bound}`, dpop: made }),
          401,
          `Bearer, DPoP error="invalid_dpop_proof", error_description="DPoP ${reason}", ${ALGS}`,
          'invalid_dpop_proof',
        );
      }
    });

    it('refuses two DPoP headers: 400 invalid_request', async () => {
      const response = await call('/dpop', { authorization: `DPoP ${bound}`, dpop: [await proof(), await proof()] });
      expectRefused(response, 400, `Bearer, DPoP error="invalid_request", error_description="more than one DPoP header was sent", ${ALGS}`, 'invalid_request');
    });

    it('refuses a DPoP-bound token sent as Bearer (no downgrade), with DPoP allowed or not', async () => {
      expectRefused(
        await call('/dpop', { authorization: `Bearer ${bound}`, dpop: await proof() }),
        401,
        `Bearer error="invalid_token", error_description="the token is DPoP-bound: send it with the DPoP scheme and a proof", DPoP ${ALGS}`,
        'invalid_token',
      );
      expectRefused(
        await call('/bearer', { authorization: `Bearer ${bound}` }),
        401,
        'Bearer error="invalid_token", error_description="the token is DPoP-bound: send it with the DPoP scheme and a proof"',
        'invalid_token',
      );
      // Where DPoP is off, the scheme is unknown: no credentials.
      expectRefused(await call('/bearer', { authorization: `DPoP ${bound}`, dpop: await proof('/bearer') }), 401, 'Bearer', undefined);
    });

    it('refuses an unbound token sent as DPoP: 401 invalid_token in the DPoP challenge', async () => {
      const response = await call('/dpop', { authorization: `DPoP ${unbound}`, dpop: await proof('/dpop', unbound) });
      expectRefused(
        response,
        401,
        `Bearer, DPoP error="invalid_token", error_description="the token is not DPoP-bound: send it as Bearer", ${ALGS}`,
        'invalid_token',
      );
    });

    it('takes DPoP only in required mode: Bearer gets the DPoP challenge alone', async () => {
      expectRefused(await call('/dpop/required', { authorization: `Bearer ${unbound}` }), 401, `DPoP ${ALGS}`, undefined);
      expect((await call('/dpop/required', { authorization: `DPoP ${bound}`, dpop: await proof('/dpop/required') })).status).toBe(200);
    });

    it('asks for a server nonce (401 use_dpop_nonce, DPoP-Nonce), then accepts a proof carrying it', async () => {
      const first = await call('/dpop/nonce', { authorization: `DPoP ${bound}`, dpop: await proof('/dpop/nonce') });
      expectRefused(
        first,
        401,
        `Bearer, DPoP error="use_dpop_nonce", error_description="the DPoP proof must carry the server nonce", ${ALGS}`,
        'use_dpop_nonce',
      );
      const nonce = first.headers['dpop-nonce'];
      expect(nonce).toMatch(/^[0-9a-z]+\.[\w-]{22}$/);
      const second = await call('/dpop/nonce', { authorization: `DPoP ${bound}`, dpop: await proof('/dpop/nonce', bound, 'GET', nonce as string) });
      expect(second.status, second.body).toBe(200);
    });

    it('a forged Host or X-Forwarded-Host cannot move a proof to another endpoint', async () => {
      // A proof made for another API (origin), replayed here with headers naming that API.
      const forOtherApi = await proof('/dpop', bound, 'GET', undefined, 'https://other-api.conformance.test');
      const forgeries: Record<string, string>[] = [
        { host: 'other-api.conformance.test' },
        { 'x-forwarded-host': 'other-api.conformance.test', 'x-forwarded-proto': 'https' },
      ];
      for (const forged of forgeries) {
        expectRefused(
          await call('/dpop', { ...forged, authorization: `DPoP ${bound}`, dpop: forOtherApi }),
          401,
          `Bearer, DPoP error="invalid_dpop_proof", error_description="DPoP proof htu does not match the request URL", ${ALGS}`,
          'invalid_dpop_proof',
        );
      }
      // A proof for this API's /dpop, sent to /dpop/required, whatever the headers claim.
      const forDpop = await proof('/dpop');
      const moved = await call('/dpop/required', {
        host: 'api.conformance.test',
        'x-forwarded-uri': '/dpop',
        'x-original-url': '/dpop',
        authorization: `DPoP ${bound}`,
        dpop: forDpop,
      });
      expectRefused(
        moved,
        401,
        `DPoP error="invalid_dpop_proof", error_description="DPoP proof htu does not match the request URL", ${ALGS}`,
        'invalid_dpop_proof',
      );
      // And a forged Host does not stop a correct proof.
      expect((await call('/dpop', { host: 'evil.test', authorization: `DPoP ${bound}`, dpop: await proof() })).status).toBe(200);
    });

    it('names the failing scope in the DPoP challenge when a guard refuses a DPoP request (403)', async () => {
      const response = await call('/dpop/scoped', { authorization: `DPoP ${scoped}`, dpop: await proof('/dpop/scoped', scoped) });
      expectRefused(response, 403, /^Bearer, DPoP error="insufficient_scope", error_description="[^"]+", scope="admin", algs="ES256 /, 'insufficient_scope');
    });

    describe('certificate-bound tokens (RFC 8705 §3)', () => {
      let certBound: string;
      beforeAll(async () => {
        certBound = await idp.sign({ sub: 'carol', cnf: { 'x5t#S256': certificates.client.thumbprint } });
      });
      const tls = (certificate?: TestCertificate): ClientTls => ({ ca: certificates.server.cert, key: certificate?.key, cert: certificate?.cert });

      it('accepts the token over TLS with the client certificate it is bound to', async () => {
        const response = await call('/mtls', { authorization: `Bearer ${certBound}` }, tls(certificates.client));
        expect(response.status, response.body).toBe(200);
        expect(JSON.parse(response.body)).toMatchObject({ payload: { sub: 'carol' } });
      });

      it('refuses it with another client certificate, or none: 401 invalid_token', async () => {
        expectRefused(
          await call('/mtls', { authorization: `Bearer ${certBound}` }, tls(certificates.otherClient)),
          401,
          'Bearer error="invalid_token", error_description="the client certificate is not the one the token is bound to"',
          'invalid_token',
        );
        expectRefused(
          await call('/mtls', { authorization: `Bearer ${certBound}` }, tls()),
          401,
          'Bearer error="invalid_token", error_description="the token is certificate-bound and no client certificate was presented"',
          'invalid_token',
        );
      });

      it('reads the certificate from the header a TLS-terminating proxy sets (URL-encoded PEM), when told to', async () => {
        const escaped = (certificate: TestCertificate): string => encodeURIComponent(certificate.cert);
        expect((await call('/mtls/header', { authorization: `Bearer ${certBound}`, 'x-client-cert': escaped(certificates.client) })).status).toBe(200);
        expectRefused(
          await call('/mtls/header', { authorization: `Bearer ${certBound}`, 'x-client-cert': escaped(certificates.otherClient) }),
          401,
          /^Bearer error="invalid_token", error_description="the client certificate is not the one/,
          'invalid_token',
        );
        expectRefused(
          await call('/mtls/header', { authorization: `Bearer ${certBound}`, 'x-client-cert': 'garbage' }),
          401,
          /^Bearer error="invalid_token", error_description="the forwarded client certificate is malformed"/,
          'invalid_token',
        );
        expectRefused(await call('/mtls/header', { authorization: `Bearer ${certBound}` }), 401, /no client certificate was presented/, 'invalid_token');
        // Where mTLS is off, a certificate-bound token is refused, never taken as a bearer token.
        expectRefused(
          await call('/bearer', { authorization: `Bearer ${certBound}`, 'x-client-cert': escaped(certificates.client) }),
          401,
          /^Bearer error="invalid_token", error_description="the token is certificate-bound, and this server does not accept mutual-TLS tokens"/,
          'invalid_token',
        );
      });
    });
  });
}
