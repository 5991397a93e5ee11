import { constants, createHmac, verify as cryptoVerify } from 'node:crypto';
import { EmbeddedJWK, UnsecuredJWT, compactVerify, decodeJwt, decodeProtectedHeader, flattenedVerify, importJWK, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenFactory,
  encodeCompact,
  encodeUnsigned,
  generateHmacSecret,
  generateSigningKey,
  signWithHeader,
  signWithPublicKeyAsSecret,
  tamperToken,
  type SigningKey,
  type TokenFactory,
} from '@latchkey/testing';

const issuer = 'https://issuer.example';
const audience = 'https://api.example';

let victim: SigningKey;
let attacker: SigningKey;
let tokens: TokenFactory;

beforeAll(async () => {
  [victim, attacker] = await Promise.all([generateSigningKey('RS256'), generateSigningKey('RS256')]);
  tokens = createTokenFactory({ issuer, audience, key: victim });
});

const parts = (token: string): string[] => token.split('.');
const json = (part: string | undefined): unknown => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
const input = (token: string): Buffer => Buffer.from(token.slice(0, token.lastIndexOf('.')));
const sig = (token: string): Buffer => Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');

describe('encodeCompact', () => {
  it('assembles three parts from objects, raw text and bytes, unchecked', () => {
    const token = encodeCompact('{"alg":"ES256","alg":"none"}', { sub: 'x' }, new Uint8Array([1, 2, 3]));
    const [header, payload, signature] = parts(token);
    expect(Buffer.from(header ?? '', 'base64url').toString()).toBe('{"alg":"ES256","alg":"none"}');
    expect(json(payload)).toEqual({ sub: 'x' });
    expect(signature).toBe(Buffer.from([1, 2, 3]).toString('base64url'));
  });

  it('uses a string signature verbatim, invalid base64url included', () => {
    expect(encodeCompact({ alg: 'RS256' }, {}, '!!not-base64!!').endsWith('.!!not-base64!!')).toBe(true);
  });

  it('makes the all-zero ECDSA "psychic signature", which a verifier refuses', async () => {
    const ec = await generateSigningKey('ES256');
    const token = encodeCompact({ alg: 'ES256', kid: ec.kid }, tokens.claims(), new Uint8Array(64));
    expect(sig(token).equals(Buffer.alloc(64))).toBe(true);
    await expect(jwtVerify(token, ec.publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});

describe('encodeUnsigned', () => {
  it('makes an unsecured JWT: alg none and an empty signature', async () => {
    const token = encodeUnsigned({ alg: 'none', typ: 'JWT' }, tokens.claims({ sub: 'mallory' }));
    expect(token.endsWith('.')).toBe(true);
    expect(parts(token)).toHaveLength(3);
    // jose reads it as the well-formed unsecured JWT it is, and refuses to verify it with a key.
    expect(UnsecuredJWT.decode(token, { issuer, audience }).payload.sub).toBe('mallory');
    await expect(jwtVerify(token, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
  });

  it('keeps the header as given, case variants included', () => {
    expect(decodeProtectedHeader(encodeUnsigned({ alg: 'NoNe' }, {}))).toEqual({ alg: 'NoNe' });
  });
});

describe('signWithHeader', () => {
  it('uses the header verbatim, adding nothing', () => {
    const token = signWithHeader({ typ: 'JWT' }, tokens.claims(), victim);
    expect(decodeProtectedHeader(token)).toEqual({ typ: 'JWT' });
    expect(cryptoVerify('sha256', input(token), victim.publicKey, sig(token))).toBe(true);
  });

  it("signs with the key's real algorithm when the header claims another (wrong alg for key)", async () => {
    const token = signWithHeader({ alg: 'ES256', kid: victim.kid }, tokens.claims(), victim);
    expect(decodeProtectedHeader(token).alg).toBe('ES256');
    // A genuine RS256 signature...
    expect(cryptoVerify('sha256', input(token), victim.publicKey, sig(token))).toBe(true);
    // ...that a verifier honouring the key's type refuses.
    await expect(jwtVerify(token, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
  });

  it('computes the signature with signingAlg when given', async () => {
    const token = signWithHeader({ alg: 'PS256', kid: victim.kid }, tokens.claims(), victim, { signingAlg: 'PS256' });
    const ok = cryptoVerify(
      'sha256',
      input(token),
      { key: victim.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
      sig(token),
    );
    expect(ok).toBe(true);
    await expect(jwtVerify(token, await importJWK({ ...victim.publicJwk, alg: 'PS256' }, 'PS256'))).resolves.toBeTruthy();
  });

  it("embeds an attacker's key that only a key-trusting verifier would accept", async () => {
    const token = signWithHeader({ alg: 'RS256', jwk: attacker.publicJwk }, tokens.claims({ sub: 'admin' }), attacker);
    expect(decodeProtectedHeader(token).jwk).toMatchObject({ n: attacker.publicJwk.n });
    await expect(jwtVerify(token, EmbeddedJWK)).resolves.toMatchObject({ payload: { sub: 'admin' } });
    await expect(jwtVerify(token, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('points jku at keys the token chooses', async () => {
    const token = signWithHeader({ alg: 'RS256', kid: attacker.kid, jku: 'http://127.0.0.1:9/jwks.json' }, tokens.claims(), attacker);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: attacker.kid, jku: 'http://127.0.0.1:9/jwks.json' });
    await expect(jwtVerify(token, attacker.publicKey)).resolves.toBeTruthy();
    await expect(jwtVerify(token, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('signs a crit extension nobody understands', async () => {
    const token = signWithHeader({ alg: 'RS256', kid: victim.kid, crit: ['exp-v2'], 'exp-v2': 1 }, tokens.claims(), victim);
    await expect(compactVerify(token, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
    await expect(compactVerify(token, victim.publicKey, { crit: { 'exp-v2': true } })).resolves.toBeTruthy();
  });

  it('signs and sends the payload unencoded with b64: false (RFC 7797)', async () => {
    const claims = tokens.claims();
    const header = { alg: 'RS256', kid: victim.kid, b64: false, crit: ['b64'] };
    const token = signWithHeader(header, claims, victim);
    const protectedPart = token.slice(0, token.indexOf('.'));
    const payload = token.slice(token.indexOf('.') + 1, token.lastIndexOf('.'));
    expect(JSON.parse(payload)).toEqual(claims);
    const verified = await flattenedVerify({ protected: protectedPart, payload, signature: token.slice(token.lastIndexOf('.') + 1) }, victim.publicKey);
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual(claims);
  });

  it('signs HMAC with an HMAC secret, and refuses a mismatched key and algorithm', () => {
    const hmac = generateHmacSecret('HS512');
    const token = signWithHeader({ alg: 'HS512' }, {}, hmac);
    expect(sig(token).equals(createHmac('sha512', hmac.secret).update(input(token)).digest())).toBe(true);
    expect(() => signWithHeader({ alg: 'HS256' }, {}, victim, { signingAlg: 'HS256' })).toThrow(/signWithPublicKeyAsSecret/);
    expect(() => signWithHeader({ alg: 'RS256' }, {}, hmac, { signingAlg: 'RS256' })).toThrow(TypeError);
  });
});

describe('signWithPublicKeyAsSecret', () => {
  it('keys an HMAC with the public key PEM: only a confused verifier accepts it', async () => {
    const token = signWithPublicKeyAsSecret({ alg: 'HS256', kid: victim.kid }, tokens.claims({ sub: 'admin' }), victim);
    expect(sig(token).equals(createHmac('sha256', victim.publicKeyPem).update(input(token)).digest())).toBe(true);
    await expect(jwtVerify(token, new TextEncoder().encode(victim.publicKeyPem))).resolves.toMatchObject({ payload: { sub: 'admin' } });
    await expect(jwtVerify(token, victim.publicKey)).rejects.toThrow(/must be of type "secret"/);
  });

  it("can key it with the JWK text and follows the header's hash", () => {
    const token = signWithPublicKeyAsSecret({ alg: 'HS384' }, {}, victim, { format: 'jwk' });
    expect(sig(token).equals(createHmac('sha384', JSON.stringify(victim.publicJwk)).update(input(token)).digest())).toBe(true);
  });
});

describe('tamperToken', () => {
  it('changes the payload and keeps the now-wrong signature', async () => {
    const token = await tokens.sign({ scope: 'read' });
    const forged = tamperToken(token, { payload: { scope: 'read admin', jti: undefined } });
    expect(decodeJwt(forged)).toMatchObject({ scope: 'read admin', sub: 'test-user' });
    expect(decodeJwt(forged)).not.toHaveProperty('jti');
    expect(parts(forged)[0]).toBe(parts(token)[0]);
    expect(parts(forged)[2]).toBe(parts(token)[2]);
    await expect(jwtVerify(token, victim.publicKey)).resolves.toBeTruthy();
    await expect(jwtVerify(forged, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('changes the header, e.g. a downgrade to alg none', async () => {
    const token = await tokens.sign();
    const downgraded = tamperToken(token, { header: { alg: 'none' } });
    expect(decodeProtectedHeader(downgraded)).toEqual({ alg: 'none', kid: victim.kid, typ: 'JWT' });
    expect(parts(downgraded)[1]).toBe(parts(token)[1]);
    await expect(jwtVerify(downgraded, victim.publicKey)).rejects.toMatchObject({ code: 'ERR_JOSE_NOT_SUPPORTED' });
  });

  it('refuses something that is not a compact JWS', () => {
    expect(() => tamperToken('a.b', { payload: {} })).toThrow(/three/);
    expect(() => tamperToken('e30.bm90IGpzb24.sig', { payload: { a: 1 } })).toThrow(/payload/);
  });
});

describe('hostile helpers: unknown options and wrong shapes', () => {
  it('signWithHeader and signWithPublicKeyAsSecret refuse unknown options and a bad signingAlg', () => {
    // @ts-expect-error alg is not an option (the header carries it)
    expect(() => signWithHeader({ alg: 'RS256' }, {}, victim, { alg: 'RS384' })).toThrow(
      new TypeError('signWithHeader: unknown option "alg" in options; did you mean "signingAlg"?'),
    );
    // @ts-expect-error not an algorithm
    expect(() => signWithHeader({ alg: 'RS256' }, {}, victim, { signingAlg: 'RS1' })).toThrow(/"signingAlg" must be a signing algorithm/);
    // @ts-expect-error formt is not an option
    expect(() => signWithPublicKeyAsSecret({ alg: 'HS256' }, {}, victim, { formt: 'jwk' })).toThrow(
      'signWithPublicKeyAsSecret: unknown option "formt" in options; did you mean "format"?',
    );
    // @ts-expect-error null is not options
    expect(() => signWithPublicKeyAsSecret({ alg: 'HS256' }, {}, victim, null)).toThrow(/options must be an object, got null/);
  });

  it('tamperToken refuses unknown changes, non-object parts and null', async () => {
    const token = await tokens.sign();
    // @ts-expect-error payloads is not a change
    expect(() => tamperToken(token, { payloads: { scope: 'admin' } })).toThrow(
      new TypeError('tamperToken: unknown option "payloads" in changes; did you mean "payload"?'),
    );
    // @ts-expect-error a string would add header members "0", "1", "2"
    expect(() => tamperToken(token, { header: 'abc' })).toThrow(/"header" must be an object of members, got a string/);
    // @ts-expect-error an array is no payload change
    expect(() => tamperToken(token, { payload: ['admin'] })).toThrow(/"payload" must be an object of members, got an array/);
    // @ts-expect-error null is no changes
    expect(() => tamperToken(token, null)).toThrow(new TypeError('tamperToken: changes must be an object, got null'));
  });
});
