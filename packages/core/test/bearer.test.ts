import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractBearerToken } from '../src/index.js';
import { authorizationHeader, extractToken, parseBearer } from '../src/bearer.js';

const malformed = { code: 'ERR_BEARER_MALFORMED', status: 400, bearerError: 'invalid_request' };
const badToken = { code: 'ERR_JWT_MALFORMED', status: 401, bearerError: 'invalid_token' };

describe('extractBearerToken (RFC 6750 §2.1)', () => {
  it('reads the token with a case-insensitive scheme', () => {
    expect(extractBearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(extractBearerToken('bearer abc')).toBe('abc');
    expect(extractBearerToken('BEARER abc')).toBe('abc');
    expect(extractBearerToken('Bearer   abc')).toBe('abc');
    expect(extractBearerToken('Bearer a-b_c.d~e+f/g==')).toBe('a-b_c.d~e+f/g==');
    expect(extractBearerToken(['Bearer abc'])).toBe('abc');
  });

  it('treats no header and other schemes as no credentials', () => {
    expect(extractBearerToken(undefined)).toBeUndefined();
    expect(extractBearerToken(null)).toBeUndefined();
    expect(extractBearerToken('')).toBeUndefined();
    expect(extractBearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(extractBearerToken('DPoP abc')).toBeUndefined();
  });

  it.each([
    ['Bearer', 'no token'],
    ['Bearer ', 'no token'],
    ['Bearer a b', 'two credentials'],
    ['Bearer a, Bearer b', 'two credentials'],
    ['Bearer a,b', 'comma'],
    ['Bearer\tabc', 'tab separator'],
    ['=abc', 'no scheme'],
    [' ', 'blank'],
  ])('refuses the malformed request %j (%s) with 400 invalid_request', (header) => {
    expect(() => extractBearerToken(header)).toThrow(expect.objectContaining(malformed));
  });

  it.each([
    ['Bearer a"b', 'quote'],
    ['Bearer ab=c', 'padding in the middle'],
    ['Bearer a*b.c.d', 'asterisk'],
    ['Bearer a.b!.c', 'exclamation mark'],
    ['Bearer abc.d=ef.ghi', '"=" inside a segment'],
    ['Bearer é', 'non-ASCII'],
  ])('refuses the single malformed credential %j (%s) with 401 invalid_token, like any malformed token', (header) => {
    expect(() => extractBearerToken(header)).toThrow(expect.objectContaining(badToken));
  });

  it('refuses two Authorization headers', () => {
    expect(() => extractBearerToken(['Bearer a', 'Bearer b'])).toThrow(expect.objectContaining(malformed));
  });
});

describe('extractToken (one method only, RFC 6750 §2)', () => {
  it('reads the query or body token only when passed', () => {
    expect(extractToken({ query: 'abc' })).toBe('abc');
    expect(extractToken({ body: 'abc' })).toBe('abc');
    expect(extractToken({})).toBeUndefined();
  });

  it('refuses a token sent in two ways', () => {
    expect(() => extractToken({ authorization: 'Bearer a', query: 'b' })).toThrow(expect.objectContaining(malformed));
    expect(() => extractToken({ query: 'a', body: 'b' })).toThrow(expect.objectContaining(malformed));
  });

  it('refuses non-string or malformed carrier values', () => {
    expect(() => extractToken({ query: ['a', 'b'] })).toThrow(expect.objectContaining(malformed));
    expect(() => extractToken({ query: '' })).toThrow(expect.objectContaining(malformed));
    expect(() => extractToken({ body: { nested: true } })).toThrow(expect.objectContaining(malformed));
    expect(() => extractToken({ query: 'a*b' })).toThrow(expect.objectContaining(badToken));
  });
});

describe('authorizationHeader (from rawHeaders)', () => {
  it('finds the header whatever its case, and keeps every repeat', () => {
    expect(authorizationHeader(['Host', 'x', 'Authorization', 'Bearer a'])).toBe('Bearer a');
    expect(authorizationHeader(['authorization', 'Bearer a', 'AUTHORIZATION', 'Bearer b', 'authorization', 'c'])).toEqual(['Bearer a', 'Bearer b', 'c']);
    expect(authorizationHeader(['Host', 'x', 'Authorizations', 'y'])).toBeUndefined();
    expect(authorizationHeader([])).toBeUndefined();
  });

  it('makes a repeated header a 400 through extractBearerToken', () => {
    expect(() => extractBearerToken(authorizationHeader(['Authorization', 'Bearer a', 'Authorization', 'Bearer a']))).toThrow(
      expect.objectContaining({ code: 'ERR_BEARER_MALFORMED', status: 400 }),
    );
  });
});

describe('extractBearerToken on a header seen again, or a copy of it', () => {
  const parse = (header: string | string[]): string | undefined | { code: string } => {
    try {
      return extractBearerToken(header);
    } catch (error) {
      return { code: (error as { code: string }).code };
    }
  };

  it('answers a header it has just seen, byte for byte, as it did the first time', () => {
    const header = 'Bearer aaa.bbb.ccc';
    expect(extractBearerToken(header)).toBe('aaa.bbb.ccc');
    // A copy with the same text, as each request's header is: the same token.
    expect(extractBearerToken(Buffer.from(header).toString('latin1'))).toBe('aaa.bbb.ccc');
    expect(extractBearerToken('Bearer aaa.bbb.ccd')).toBe('aaa.bbb.ccd');
    expect(extractBearerToken('Basic aaa.bbb.ccc')).toBeUndefined();
    expect(() => extractBearerToken(`${header} x`)).toThrow(expect.objectContaining(malformed));
    expect(() => extractBearerToken([header, header])).toThrow(expect.objectContaining(malformed));
    expect(extractBearerToken(undefined)).toBeUndefined();
    expect(extractBearerToken('')).toBeUndefined();
    expect(extractBearerToken(header)).toBe('aaa.bbb.ccc');
  });

  it('gives every header, in any order, the answer a fresh parse gives', () => {
    const headers = [
      'Bearer a.b.c',
      'bearer a.b.c',
      'Bearer  a.b.c',
      'Bearer a.b.c ',
      'Bearer a b',
      'Bearer a*b',
      'Basic a.b.c',
      'Bearer',
      'Bearer a,b',
      'DPoP a.b.c',
      '',
      ' Bearer a.b.c',
    ];
    const fresh = new Map(headers.map((header) => [header, parse(header)]));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...headers), { minLength: 1, maxLength: 30 }), (sequence) => {
        for (const header of sequence) expect(parse(Buffer.from(header).toString('latin1'))).toEqual(fresh.get(header));
      }),
      { numRuns: 300 },
    );
  });
});

describe('extractBearerToken agrees with the general parse on every header', () => {
  const outcome = (read: () => string | undefined): unknown => {
    try {
      return read();
    } catch (error) {
      return { code: (error as { code: string }).code, message: (error as Error).message };
    }
  };
  // Near-headers: the scheme in any case or misspelt, spaces and tabs anywhere, token68 and other characters.
  const piece = fc.constantFrom(
    'Bearer',
    'bearer',
    'BEARER',
    'Bearer ',
    'Bearer  ',
    'Bearr ',
    'Basic ',
    'DPoP ',
    ' ',
    '\t',
    'a',
    'Z',
    '9',
    '-',
    '.',
    '_',
    '~',
    '+',
    '/',
    '=',
    '==',
    ',',
    '*',
    '!',
    '\u00a0',
    'é',
    'eyJhbGciOiJIUzI1NiJ9.e30.sig',
  );
  it('gives what the general parse gives, token or error', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const header = pieces.join('');
        expect(outcome(() => extractBearerToken(header))).toEqual(outcome(() => parseBearer(header)));
        // Again, now that it may be the remembered header.
        expect(outcome(() => extractBearerToken(Buffer.from(header, 'utf8').toString('utf8')))).toEqual(outcome(() => parseBearer(header)));
      }),
      { numRuns: 5000 },
    );
  });
});
