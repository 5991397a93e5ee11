// The token's base64url syntax is checked as its segments decode (src/token.ts), not by a pattern over the
// whole token. These properties hold that check to the plain definition, character by character: a token
// is accepted exactly when it is three segments of the base64url alphabet, each the canonical encoding of
// its bytes (RFC 4648 §3.5, §5; RFC 7515 §2, §7.1), and then decodes to those bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../src/index.js';
import { decodeSegment, splitCompact } from '../src/token.js';

const MAX_TOKEN_BYTES = 8192;

/** The definition, written the slow and obvious way. */
function isCanonicalSegment(segment: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(segment) && segment.length % 4 !== 1 && Buffer.from(segment, 'base64url').toString('base64url') === segment;
}

function referenceAccepts(token: string): boolean {
  const segments = token.split('.');
  return segments.length === 3 && segments.every(isCanonicalSegment);
}

/** What src/token.ts does on the hot path: split, then decode each segment. */
function accepts(token: string): Buffer[] | 'refused' {
  try {
    const parts = splitCompact(token, MAX_TOKEN_BYTES);
    return [
      Buffer.from(decodeSegment(token.slice(0, parts.headerEnd), 'header')),
      Buffer.from(decodeSegment(token.slice(parts.headerEnd + 1, parts.payloadEnd), 'payload')),
      Buffer.from(decodeSegment(token.slice(parts.payloadEnd + 1), 'signature')),
    ];
  } catch (error) {
    expect(isLatchkeyError(error) && error.code === 'ERR_JWT_MALFORMED').toBe(true);
    return 'refused';
  }
}

function agreesWithDefinition(token: string): void {
  const outcome = accepts(token);
  expect(outcome !== 'refused', JSON.stringify(token)).toBe(referenceAccepts(token));
  if (outcome !== 'refused') expect(outcome).toEqual(token.split('.').map((segment) => Buffer.from(segment, 'base64url')));
}

// Characters that a lenient decoder reads in some way: the alphabet's edges, the base64 alphabet, padding,
// white space, a dot, characters above ASCII whose low byte is a base64url character (Node reads U+0151 as
// 'Q'), a lone surrogate.
const HOSTILE = ['+', '/', '=', ' ', '\n', '.', '!', '\u0151', '\u0141', '\u00c1', '\u00ff', '\ud800', '\u0000'];
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const char = fc.oneof({ arbitrary: fc.constantFrom(...ALPHABET), weight: 12 }, { arbitrary: fc.constantFrom(...HOSTILE), weight: 1 });
const segmentish = fc.string({ unit: char, minLength: 0, maxLength: 24 });

/** A canonical segment with one character replaced, inserted or removed. */
const mutated = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), fc.constantFrom(...ALPHABET, ...HOSTILE), fc.constantFrom('replace', 'insert', 'remove'))
  .map(([bytes, at, c, how]) => {
    const segment = Buffer.from(bytes).toString('base64url');
    const index = at % segment.length;
    if (how === 'replace') return segment.slice(0, index) + c + segment.slice(index + 1);
    if (how === 'insert') return segment.slice(0, index) + c + segment.slice(index);
    return segment.slice(0, index) + segment.slice(index + 1);
  });
const canonical = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64url'));

describe('base64url syntax checked at decode agrees with the definition', () => {
  it('near-base64url tokens, hostile characters anywhere', () => {
    fc.assert(
      fc.property(segmentish, segmentish, segmentish, (a, b, c) => agreesWithDefinition(`${a}.${b}.${c}`)),
      { numRuns: 20_000 },
    );
  });

  it('canonical segments with one character changed, in any position of the token', () => {
    fc.assert(
      fc.property(canonical, canonical, mutated, fc.nat(2), (a, b, bad, where) => {
        const segments = [a, b];
        segments.splice(where, 0, bad);
        agreesWithDefinition(segments.join('.'));
      }),
      { numRuns: 20_000 },
    );
  });

  it('every respelling of a last character and every hostile character, exhaustively on a short token', () => {
    for (const c of [...ALPHABET, ...HOSTILE]) {
      for (const base of ['eyJhIjoxfQ', 'eyJhIjoxfQA', 'AAAA']) {
        agreesWithDefinition(`${base.slice(0, -1)}${c}.e30.${base}`);
        agreesWithDefinition(`e30.${base}${c}.AAAA`);
        agreesWithDefinition(`e30.AAAA.${c}${base}`);
      }
    }
  });

  it('segments longer than the scratch buffer are checked the same way', () => {
    const long = Buffer.alloc(40 * 1024, 7).toString('base64url');
    const big = 64 * 1024;
    // Lengths of 0 and 2 (mod 4), so the length check passes and the large path's own checks decide.
    expect(((long.length * 2) & 3) === 0 && (long.length & 3) === 2).toBe(true);
    expect(() => decodeSegment(`${long}!${long.slice(1)}`, 'signature')).toThrow(/not valid base64url/);
    expect(decodeSegment(long + long, 'signature')).toHaveLength((long.length * 2 * 3) >> 2);
    const last = ALPHABET.indexOf(long.at(-1)!);
    expect(long.length).toBeGreaterThan(48 * 1024);
    expect(() => decodeSegment(`${long.slice(0, -1)}${ALPHABET[last | 1]}`, 'signature')).toThrow(/canonically/);
    expect(decodeSegment(`${long}${long}`.slice(0, -4), 'signature')).toHaveLength(((long.length * 2 - 4) * 3) >> 2);
    expect(splitCompact(`e30.${long}.AAAA`, big).payloadEnd).toBe(4 + long.length);
  });
});
