import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVerifier, hmacSecrets, SUPPORTED_ALGORITHMS, type JwsAlgorithm } from '../src/index.js';
import { b64, claims, signRaw, signature, testKey, token, verifierFor } from './helpers/tokens.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const invalidToken = { code: 'ERR_JWT_MALFORMED', status: 401, bearerError: 'invalid_token' };

/** Every other spelling of a segment's last character that decodes to the same bytes (RFC 4648 §3.5). */
function respellings(segment: string): string[] {
  const bytes = Buffer.from(segment, 'base64url');
  const head = segment.slice(0, -1);
  return [...ALPHABET]
    .filter((char) => char !== segment.at(-1))
    .map((char) => head + char)
    .filter((candidate) => Buffer.from(candidate, 'base64url').equals(bytes));
}

// Unused bits in the last character: 4 when length ≡ 2 (mod 4), 2 when ≡ 3, none when ≡ 0.
const expectedRespellings = (segment: string): number => [0, 0, 15, 3][segment.length % 4]!;

describe('one token, one spelling (RFC 4648 §3.5 canonical base64url)', () => {
  it.each(SUPPORTED_ALGORITHMS as readonly JwsAlgorithm[])('%s: only the canonical signature encoding verifies', async (alg) => {
    const key = testKey(alg);
    const verifier = verifierFor(key);
    const good = token(key);
    await expect(verifier.verify(good)).resolves.toBeDefined();
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const variants = respellings(signature);
    expect(variants).toHaveLength(expectedRespellings(signature));
    for (const variant of variants) {
      await expect(verifier.verify(`${header}.${payload}.${variant}`)).rejects.toMatchObject(invalidToken);
    }
  });

  it('refuses a respelled header or payload too', async () => {
    const key = testKey('ES256');
    const verifier = verifierFor(key);
    // Pad the JSON until each segment's length leaves unused bits in its last character.
    let header = { alg: 'ES256', kid: key.kid, typ: 'JWT' } as Record<string, unknown>;
    while (b64(header).length % 4 !== 2) header = { ...header, x: `${(header.x as string | undefined) ?? ''}x` };
    let body = claims();
    while (b64(body).length % 4 !== 2) body = { ...body, pad: `${(body.pad as string | undefined) ?? ''}p` };
    const good = signRaw(header, body, key);
    await expect(verifier.verify(good)).resolves.toBeDefined();
    const [h, p, s] = good.split('.') as [string, string, string];
    const input = (hh: string, pp: string): string => `${hh}.${pp}`;
    for (const variant of respellings(h)) {
      // Re-signed, so only the encoding is wrong.
      const respelled = `${input(variant, p)}.${signRaw(header, body, key).split('.')[2]}`;
      await expect(verifier.verify(respelled)).rejects.toMatchObject(invalidToken);
    }
    expect(respellings(p)).toHaveLength(15);
    for (const variant of respellings(p)) await expect(verifier.verify(`${h}.${variant}.${s}`)).rejects.toMatchObject(invalidToken);
  });

  describe('the HS256 example of RFC 7515 appendix A.1', () => {
    // Known-answer token and key, verbatim from RFC 7515 §A.1 (its exp is 2011-03-22T18:43:00Z).
    const RFC_TOKEN =
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
      '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
      '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const RFC_KEY = 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
    const verifier = createVerifier({ keys: hmacSecrets(Buffer.from(RFC_KEY, 'base64url')), algorithms: ['HS256'], issuer: 'joe', audience: null });

    afterEach(() => void vi.useRealTimers());

    it('verifies as published, and refuses each of its three respellings', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_300_819_000_000);
      await expect(verifier.verify(RFC_TOKEN)).resolves.toMatchObject({ payload: { iss: 'joe', 'http://example.com/is_root': true } });
      // "...EjXk": 43 characters for 32 bytes, so the final "k" (100100) carries 2 unused bits: l, m, n.
      const respelled = ['l', 'm', 'n'].map((last) => RFC_TOKEN.slice(0, -1) + last);
      expect(respelled.map((t) => Buffer.from(t.split('.')[2]!, 'base64url').equals(Buffer.from(RFC_TOKEN.split('.')[2]!, 'base64url')))).toEqual([
        true,
        true,
        true,
      ]);
      for (const variant of respelled) await expect(verifier.verify(variant)).rejects.toMatchObject(invalidToken);
    });
  });
});

describe('UTF-8 (RFC 7515 §5.2)', () => {
  const key = testKey('ES256');
  const verifier = verifierFor(key);
  const headerSegment = b64({ alg: 'ES256', kid: key.kid });
  /** A token whose payload segment is exactly `payload`'s bytes, correctly signed. */
  const signedBytes = (payload: Buffer, header = headerSegment): string => {
    const input = `${header}.${payload.toString('base64url')}`;
    return `${input}.${signature(input, key, 'ES256').toString('base64url')}`;
  };
  const json = (before: string, bytes: number[], after: string): Buffer => Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
  const withSub = (bytes: number[]): Buffer => json(`${JSON.stringify(claims()).slice(0, -1)},"role":"admin`, bytes, '"}');

  it.each([
    ['\\xFF', [0xff]],
    ['\\xFE', [0xfe]],
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ])('refuses a payload with %s', async (_what, bytes) => {
    await expect(verifier.verify(signedBytes(withSub(bytes)))).rejects.toMatchObject({ ...invalidToken, message: 'the payload is not valid UTF-8' });
  });

  it('refuses a header with invalid UTF-8', async () => {
    const header = json('{"alg":"ES256","kid":"', [0xff], `${key.kid}"}`).toString('base64url');
    await expect(verifier.verify(signedBytes(Buffer.from(JSON.stringify(claims())), header))).rejects.toMatchObject({
      ...invalidToken,
      message: 'the header is not valid UTF-8',
    });
  });

  it('accepts valid non-ASCII text, U+FFFD itself included', async () => {
    const result = await verifier.verify(signedBytes(withSub([...Buffer.from('é€😀\uFFFD')])));
    expect(result.payload.role).toBe('adminé€😀\uFFFD');
  });
});

describe('shared decode buffers (the hot path allocates no Buffer per segment)', () => {
  it('verifies tokens of several algorithms and signature lengths in turn, each against its own bytes', async () => {
    const algs = ['ES256', 'RS256', 'EdDSA', 'PS256', 'ES384'] as const;
    const keys = algs.map((alg) => testKey(alg));
    const verifiers = keys.map((key) => verifierFor(key));
    for (let round = 0; round < 3; round++) {
      for (const [index, key] of keys.entries()) {
        const good = token(key, { sub: `user-${round}-${index}` });
        await expect(verifiers[index]!.verify(good)).resolves.toMatchObject({ payload: { sub: `user-${round}-${index}` } });
        // A signature that was valid for the previous token must not pass for this one: the views of the
        // shared buffer always hold the bytes of the token being checked.
        const other = token(key, { sub: 'someone-else' });
        const forged = `${good.slice(0, good.lastIndexOf('.'))}.${other.slice(other.lastIndexOf('.') + 1)}`;
        await expect(verifiers[index]!.verify(other)).resolves.toBeDefined();
        await expect(verifiers[index]!.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
      }
    }
  });
});

describe('tokens too long for the copy the ASCII check makes (over a third of the 48 KiB buffer)', () => {
  it('are checked the same way: ASCII only, and verified against their own bytes', async () => {
    for (const alg of ['ES256', 'HS256'] as const) {
      const key = testKey(alg);
      const verifier = verifierFor(key);
      const long = token(key, { sub: 'long', pad: 'x'.repeat(20_000) });
      expect(long.length).toBeGreaterThan(16 * 1024);
      await expect(verifier.verify(long)).resolves.toMatchObject({ payload: { sub: 'long' } });
      // The same length, one character above ASCII whose low byte is a base64url character (U+0151 is 'Q').
      const q = long.indexOf('Q') >= 0 ? long.indexOf('Q') : long.indexOf('A');
      const respelt = `${long.slice(0, q)}${long[q] === 'Q' ? '\u0151' : '\u0141'}${long.slice(q + 1)}`;
      await expect(verifier.verify(respelt)).rejects.toMatchObject(invalidToken);
      // A short token between two long ones: each is checked against its own bytes.
      await expect(verifier.verify(token(key, { sub: 'short' }))).resolves.toMatchObject({ payload: { sub: 'short' } });
      const forged = `${long.slice(0, long.lastIndexOf('.'))}.${token(key, { sub: 'short' }).split('.')[2]}`;
      await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    }
  });
});
