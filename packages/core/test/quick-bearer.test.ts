// The request authenticator verifies a `Bearer <token>` header before parsing it as token68
// (bearer.ts, quickBearerToken): these properties hold it to the answers of parsing first, token or error,
// code, status and message, on headers near the common one, with keys at hand and with keys fetched.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { createVerifier, hmacSecrets, remoteJwks, type Verifier } from '../src/index.js';
import { createRequestAuthenticator, type RequestReader } from '../src/adapter.js';
import { authorizationHeader, extractBearerToken } from '../src/bearer.js';
import { b64 } from './helpers/tokens.js';

interface FakeRequest {
  readonly rawHeaders: string[];
}
const reader: RequestReader<FakeRequest> = { rawHeaders: (request) => request.rawHeaders, method: () => 'GET', path: () => '/' };

const SECRET = 'quick-bearer-secret-0123456789-abcdefghijklmnop';
const issuer = 'https://idp.quick.test/';
const audience = 'https://api.quick.test';
function hs256(sub: string): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: issuer, aud: audience, sub, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

/** What a request gets: the subject, or the error's code, status and message. */
async function answer(run: () => unknown): Promise<unknown> {
  try {
    const result = (await run()) as { payload: { sub: string } } | null;
    return result === null ? 'anonymous' : result.payload.sub;
  } catch (error) {
    const { code, status, message } = error as { code?: string; status?: number; message: string };
    return { code, status, message };
  }
}

let idp: MockIdp;
beforeAll(async () => {
  idp = await createMockIdp({ audience });
});
afterAll(async () => {
  await idp.close();
});

function compare(verifier: Verifier, tokens: string[]) {
  const quick = createRequestAuthenticator({ verifier }, reader);
  // The reference: the same verifier, the header parsed (token68 checked) before anything is verified.
  const parseFirst = createRequestAuthenticator({ verifier, getToken: (request) => extractBearerToken(authorizationHeader(request.rawHeaders)) }, reader);
  const around = fc.constantFrom('', ' ', '  ', '\t', ',', ' x', '=', '==', '*', '.', '\u00a0', 'é', '~', '+');
  const scheme = fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer  ', 'Bearer\t', 'Bearer', 'Basic ', 'DPoP ', ' Bearer ');
  return fc.asyncProperty(scheme, around, fc.constantFrom(...tokens), around, fc.nat(40), async (prefix, before, token, after, cut) => {
    // The token whole, or with a character dropped (a bad signature or a broken segment).
    const body = cut < token.length && cut % 3 === 0 ? token.slice(0, cut) + token.slice(cut + 1) : token;
    const request = { rawHeaders: ['Authorization', `${prefix}${before}${body}${after}`] };
    expect(await answer(() => quick.authenticate(request))).toEqual(await answer(() => parseFirst.authenticate(request)));
  });
}

describe('the quick bearer read answers as parsing first would', () => {
  it('with keys at hand (HMAC)', async () => {
    const verifier = createVerifier({ keys: hmacSecrets(SECRET), algorithms: ['HS256'], issuer, audience, tokenCache: false });
    await fc.assert(compare(verifier, [hs256('alice'), hs256('bob'), 'e30.e30.AAAA', 'a.b']), { numRuns: 3000 });
  });

  it('with keys fetched from a JWKS endpoint, the cache on', async () => {
    const verifier = createVerifier({ keys: remoteJwks(idp.jwksUri), algorithms: ['RS256'], issuer: idp.issuer, audience });
    const tokens = [await idp.sign({ sub: 'carol' }), await idp.sign({ sub: 'dave' })];
    await fc.assert(compare(verifier, tokens), { numRuns: 1500 });
  });
});
