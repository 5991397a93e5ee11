import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractBearerToken } from '../src/index.js';
import { authorizationHeader, extractToken, parseBearer, quickBearerToken } from '../src/bearer.js';

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

describe('the same header again, or a copy of it', () => {
  it('extractBearerToken answers a header it has just seen as it did the first time', () => {
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

  it('quickBearerToken, which remembers the last header it took, gives every header the same answer in any order', () => {
    const headers = [
      'Bearer a.b.c',
      // As long as the first and ending in the same character: the memo's first read cannot tell them apart.
      'Bearer x.b.c',
      'Bearer a.y.c',
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
    const fresh = new Map(headers.map((header) => [header, quickBearerToken(header)]));
    expect(fresh.get('Bearer a.b.c')).toBe('a.b.c');
    expect(fresh.get('bearer a.b.c')).toBe('a.b.c');
    expect(fresh.get('Bearer a*b')).toBe('a*b');
    expect(fresh.get('Bearer x.b.c')).toBe('x.b.c');
    expect(fresh.get('Bearer a.y.c')).toBe('a.y.c');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...headers), { minLength: 1, maxLength: 30 }), (sequence) => {
        for (const header of sequence) expect(quickBearerToken(Buffer.from(header).toString('latin1'))).toEqual(fresh.get(header));
      }),
      { numRuns: 300 },
    );
  });
});

describe('quickBearerToken agrees with the general parse on every header it takes', () => {
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
  it('takes a header only when the general parse gives that very token, or an error of its own', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const header = pieces.join('');
        // A copy, so the second read may be answered from the remembered header.
        for (const value of [header, Buffer.from(header, 'utf8').toString('utf8')]) {
          const quick = quickBearerToken(value);
          if (quick === undefined) continue;
          taken++;
          const general = outcome(() => parseBearer(value));
          if (typeof general === 'string') expect(general).toBe(quick);
          else expect(general).toMatchObject({ code: expect.stringMatching(/^ERR_(BEARER|JWT)_MALFORMED$/) });
        }
      }),
      { numRuns: 5000 },
    );
    // The property held on headers the quick read took, not only on ones it passed by.
    expect(taken).toBeGreaterThan(50);
  });

  it('takes the common header and nothing that needs trimming or holds two spaces', () => {
    expect(quickBearerToken('Bearer abc.def')).toBe('abc.def');
    expect(quickBearerToken('bearer abc.def')).toBe('abc.def');
    expect(quickBearerToken('Bearer  abc.def')).toBeUndefined();
    expect(quickBearerToken('Bearer abc.def ')).toBeUndefined();
    expect(quickBearerToken(' Bearer abc.def')).toBeUndefined();
    expect(quickBearerToken('Bearer abc==')).toBeUndefined();
    expect(quickBearerToken(['Bearer abc.def'])).toBeUndefined();
    expect(quickBearerToken('Basic abc.def')).toBeUndefined();
  });
});
