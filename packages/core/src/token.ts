/** Compact JWS syntax (RFC 7515 §7.1): one strict split, and base64url and JSON decoding of the segments. */
import { isUtf8 } from 'node:buffer';
import { LatchkeyError } from './errors.js';

/**
 * A compact JWS, syntax-checked, with the positions of its two dots. Segments are sliced only where they
 * are used (the hot path skips slicing a header it has seen). Nothing in it is trusted yet.
 */
export interface CompactParts {
  readonly token: string;
  /** Index of the first dot: the header is `token.slice(0, headerEnd)`. */
  readonly headerEnd: number;
  /** Index of the second dot: the signing input (RFC 7515 §5.2 step 8) is `token.slice(0, payloadEnd)`. */
  readonly payloadEnd: number;
}

// The 6-bit value of each base64url character (RFC 4648 §5), by char code: the canonical-end check reads
// the last character of a segment that already decoded to its full length, so of the alphabet.
const BASE64URL_VALUE = new Uint8Array(128);
for (let index = 0; index < 64; index++) {
  BASE64URL_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(index)] = index;
}

// The size of both scratch buffers: the decoding one (segments) and the signing-input one.
const SCRATCH_BYTES = 48 * 1024;

const notCompact = (): LatchkeyError => new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not a compact JWS (three base64url segments)');

/**
 * Splits a compact JWS: three non-empty segments and nothing else (RFC 7515 §7.1). Throws
 * `ERR_JWT_TOO_LARGE` or `ERR_JWT_MALFORMED`. The size check comes first, so a huge input costs nothing
 * more than its length. This refuses JWE (five segments), unsecured JWS (empty signature, `alg: none`)
 * and detached payloads (RFC 7797 `b64: false` needs an empty middle segment).
 *
 * The base64url alphabet itself is checked as each segment is decoded (`decodeSegment`,
 * `decodeJsonObject`), not by a pattern over the whole token here: a regex pass costs as much as decoding
 * the segments again (about 3,700 instructions on a 2048-bit RSA token). What Node's decoder would read
 * leniently is refused in one of two places:
 * - here: any character outside ASCII (Node reads a two-byte character by its low byte, so `\u0151`
 *   would decode as `Q`), and `+` and `/` (Node's base64url decoder also takes the base64 alphabet);
 * - at decode: any other character outside the alphabet, which Node skips, so the segment decodes to
 *   fewer bytes than its length says; and a last character with unused bits set (RFC 4648 §3.5).
 * Together: one token, one spelling, so a lenient decoder can never read one token two ways and nothing
 * keyed on the token string (the verified-token cache, a denylist, a log search) can be sidestepped.
 */
export function splitCompact(token: unknown, maxTokenBytes: number): CompactParts {
  if (typeof token !== 'string') throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not a string');
  if (token.length > maxTokenBytes)
    throw new LatchkeyError('ERR_JWT_TOO_LARGE', `the token exceeds ${maxTokenBytes} bytes`, { detail: `${token.length} characters` });
  const headerEnd = token.indexOf('.');
  const payloadEnd = headerEnd < 1 ? -1 : token.indexOf('.', headerEnd + 1);
  if (payloadEnd <= headerEnd + 1 || payloadEnd + 1 >= token.length || token.indexOf('.', payloadEnd + 1) !== -1) throw notCompact();
  if (!isAsciiCopied(token) || token.indexOf('+') !== -1 || token.indexOf('/') !== -1) throw notCompact();
  return { token, headerEnd, payloadEnd };
}

// The signing input (RFC 7515 §5.2 step 8) is read from here by node:crypto: the token's bytes, written
// by the ASCII check of splitCompact, so that the one call into Node that checks the token is ASCII
// also copies it to bytes (a second call, about 700 instructions before it reads a character, spared).
const inputScratch = Buffer.allocUnsafe(SCRATCH_BYTES) as Buffer & {
  latin1Write?: (text: string, offset: number, length: number) => number;
  utf8Write?: (text: string, offset: number, length: number) => number;
};
// The token whose bytes inputScratch holds from offset 0. A token whose verification awaited its keys
// may find another's there by then; signingInputOf then writes its own again.
let inputHolds: string | undefined;

/**
 * Whether every character of `token` is ASCII (one UTF-8 byte each), copying its bytes to inputScratch on
 * the way. UTF-8 takes one byte for an ASCII character and at least two for any other UTF-16 unit (two or
 * three for one of the BMP, four for a surrogate pair's two, three for a lone surrogate, replaced), so the
 * byte count equals the length exactly when all are ASCII; with room for three bytes a unit, nothing is
 * cut short.
 */
function isAsciiCopied(token: string): boolean {
  if (token.length * 3 > SCRATCH_BYTES || typeof inputScratch.utf8Write !== 'function') return Buffer.byteLength(token, 'utf8') === token.length;
  inputHolds = undefined;
  if (inputScratch.utf8Write(token, 0, SCRATCH_BYTES) !== token.length) return false;
  inputHolds = token;
  return true;
}

/**
 * RFC 4648 §3.5: a segment whose length is 2 or 3 (mod 4) ends in a character with 4 or 2 unused bits,
 * which a canonical encoder sets to zero. Decoders ignore them, so without this check one signature (or
 * header, or payload) has up to 16 spellings. One lookup.
 */
function hasCanonicalEnd(segment: string): boolean {
  const remainder = segment.length & 3;
  if (remainder === 0) return true;
  return (BASE64URL_VALUE[segment.charCodeAt(segment.length - 1)]! & (remainder === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Checks what Node's decoder wrote for a segment of an ASCII token without `+` or `/` (splitCompact):
 * every character was of the alphabet exactly when the segment decoded to all the bytes its length holds
 * (Node skips the others, and each skipped character costs at least one byte), and the spelling is the
 * canonical one when the last character's unused bits are zero.
 */
function checkDecoded(segment: string, written: number, what: string): void {
  if (written !== (segment.length * 3) >> 2) throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid base64url`);
  if (!hasCanonicalEnd(segment)) throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not canonically base64url-encoded (RFC 4648 §3.5)');
}

/** The payload segment of a split token. */
export function payloadSegmentOf(parts: CompactParts): string {
  return parts.token.slice(parts.headerEnd + 1, parts.payloadEnd);
}

// Segments are decoded into one reusable buffer: verification is synchronous between the decode and the
// read, so nothing else can write to it meanwhile, and the hot path allocates no Buffer per segment.
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

// Node's own per-encoding writer and reader behind `buffer.write(s, 'base64url')` and `toString('utf8')`,
// called directly: `write` and `toString` re-parse their optional arguments and dispatch on the encoding
// name on every call. Present in every supported Node; the public methods stand in if one is ever gone.
type FastBuffer = Buffer & { base64urlWrite?: (text: string, offset: number, length: number) => number; utf8Slice?: (start: number, end: number) => string };
const fast = scratch as FastBuffer;
const writeBase64url: (text: string) => number =
  typeof fast.base64urlWrite === 'function' ? (text) => fast.base64urlWrite!(text, 0, SCRATCH_BYTES) : (text) => scratch.write(text, 0, 'base64url');
const readUtf8: (end: number) => string = typeof fast.utf8Slice === 'function' ? (end) => fast.utf8Slice!(0, end) : (end) => scratch.toString('utf8', 0, end);

// Views of the scratch buffer by length, made once each: signatures have one length per algorithm and
// key size, so the hot path creates no view per request. Bounded: only lengths up to an 8192-bit RSA
// signature (RSA_MAX_MODULUS_BITS) are kept.
const MAX_CACHED_VIEW = 1024;
const views: Buffer[] = [];

function viewOf(length: number): Buffer {
  if (length > MAX_CACHED_VIEW) return scratch.subarray(0, length);
  return (views[length] ??= scratch.subarray(0, length));
}

// Views of the signing-input buffer by length, made once each (a `subarray` is a typed-array construction,
// about 300 instructions): one issuer's tokens have a few dozen signing-input lengths. Bounded: lengths up
// to 4096 only (at most 4,096 small view objects, whatever tokens are sent), longer ones get a fresh view.
const MAX_CACHED_INPUT_VIEW = 4096;
const inputViews: Buffer[] = new Array<Buffer>(MAX_CACHED_INPUT_VIEW + 1);

/**
 * The signing input of a split token as bytes: a view of a shared buffer, valid until the next call, so
 * use it synchronously. splitCompact made the token ASCII, whose latin1 bytes are its UTF-8 bytes.
 */
export function signingInputOf(parts: CompactParts): Buffer {
  const length = parts.payloadEnd;
  if (inputHolds !== parts.token) {
    // Not copied by splitCompact (a long token), or overwritten since: copied now, no slice, and none of
    // the work node:crypto does to turn a string into bytes (a length pass, a pool allocation, a copy).
    if (length > SCRATCH_BYTES || typeof inputScratch.latin1Write !== 'function') return Buffer.from(parts.token.slice(0, length), 'latin1');
    inputScratch.latin1Write(parts.token, 0, length);
    inputHolds = parts.token;
  }
  if (length > MAX_CACHED_INPUT_VIEW) return inputScratch.subarray(0, length);
  return (inputViews[length] ??= inputScratch.subarray(0, length));
}

function checkLength(segment: string, what: string): void {
  // A length of 1 (mod 4) is no encoder's output.
  if (segment.length % 4 === 1) throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid base64url`);
}

/** Decodes a segment too long for the scratch buffer into a Buffer of its own, checked the same way. */
function decodeLarge(segment: string, what: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url');
  checkDecoded(segment, bytes.length, what);
  return bytes;
}

/**
 * Decodes a base64url segment of a split token, refusing any character outside the alphabet and any
 * spelling but the canonical one (see `splitCompact`). The result is a view of a shared buffer, valid
 * until the next decode: use it synchronously.
 */
export function decodeSegment(segment: string, what: string): Buffer {
  checkLength(segment, what);
  if (segment.length > SCRATCH_BYTES) return decodeLarge(segment, what);
  const written = writeBase64url(segment);
  checkDecoded(segment, written, what);
  return viewOf(written);
}

function decodeText(segment: string, what: string): string {
  checkLength(segment, what);
  if (segment.length > SCRATCH_BYTES) return checkedUtf8(decodeLarge(segment, what), what);
  const length = writeBase64url(segment);
  checkDecoded(segment, length, what);
  const text = readUtf8(length);
  // RFC 7515 §5.2 steps 3 and 6: the header and payload are UTF-8. Node decodes leniently, turning every
  // invalid sequence into U+FFFD ("admin\xFF" and "admin\xFE" would read alike), so the bytes are
  // validated, but only when U+FFFD appears: for ASCII text (a one-byte string) the search is free.
  if (text.includes('\uFFFD') && !isUtf8(scratch.subarray(0, length))) throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid UTF-8`);
  return text;
}

function checkedUtf8(bytes: Buffer, what: string): string {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') && !isUtf8(bytes)) throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid UTF-8`);
  return text;
}

/** Decodes a segment that must hold a JSON object (RFC 7515 §5.2 steps 2–4, RFC 7519 §7.2 step 10). */
export function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeText(segment, what));
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
