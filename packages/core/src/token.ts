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

// Three non-empty base64url segments and nothing else (RFC 7515 §7.1, RFC 7515 §2: no padding).
// This also refuses JWE (five segments), unsecured JWS (empty signature, `alg: none`), detached payloads
// (RFC 7797 `b64: false` needs an empty middle segment) and any character outside the alphabet, so a
// lenient base64 decoder can never read one token two ways.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

// The 6-bit value of each base64url character (RFC 4648 §5), by char code; the syntax check has already
// refused every other character.
const BASE64URL_VALUE = new Uint8Array(128);
for (let index = 0; index < 64; index++) {
  BASE64URL_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(index)] = index;
}

/**
 * RFC 4648 §3.5: a segment whose length is 2 or 3 (mod 4) ends in a character with 4 or 2 unused bits,
 * which a canonical encoder sets to zero. Decoders ignore them, so without this check one signature (or
 * header, or payload) has up to 16 spellings, and anything keyed on the token string (the verified-token
 * cache, a denylist of token hashes, a log search) could be sidestepped by respelling it. One lookup.
 */
function isCanonicalEnd(token: string, start: number, end: number): boolean {
  const remainder = (end - start) & 3;
  if (remainder === 0) return true;
  // remainder 1 is no encoder's output: refused when the segment is decoded.
  return (BASE64URL_VALUE[token.charCodeAt(end - 1)]! & (remainder === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Splits a compact JWS after checking its size, syntax and canonical encoding. Throws `ERR_JWT_TOO_LARGE` or
 * `ERR_JWT_MALFORMED`. The size check comes first, so a huge input costs nothing more than its length.
 */
export function splitCompact(token: unknown, maxTokenBytes: number): CompactParts {
  if (typeof token !== 'string') throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not a string');
  if (token.length > maxTokenBytes)
    throw new LatchkeyError('ERR_JWT_TOO_LARGE', `the token exceeds ${maxTokenBytes} bytes`, { detail: `${token.length} characters` });
  if (!COMPACT_JWS.test(token)) throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not a compact JWS (three base64url segments)');
  const headerEnd = token.indexOf('.');
  const payloadEnd = token.indexOf('.', headerEnd + 1);
  if (!isCanonicalEnd(token, payloadEnd + 1, token.length) || !isCanonicalEnd(token, headerEnd + 1, payloadEnd) || !isCanonicalEnd(token, 0, headerEnd)) {
    throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not canonically base64url-encoded (RFC 4648 §3.5)');
  }
  return { token, headerEnd, payloadEnd };
}

/** The payload segment of a split token. */
export function payloadSegmentOf(parts: CompactParts): string {
  return parts.token.slice(parts.headerEnd + 1, parts.payloadEnd);
}

// Segments are decoded into one reusable buffer: verification is synchronous between the decode and the
// read, so nothing else can write to it meanwhile, and the hot path allocates no Buffer per segment.
const SCRATCH_BYTES = 48 * 1024;
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

// The signing input (RFC 7515 §5.2 step 8) is copied here straight from the token: no slice, and none of
// the work node:crypto does to turn a string into bytes (a length pass, a pool allocation, a copy).
const inputScratch = Buffer.allocUnsafe(SCRATCH_BYTES) as Buffer & { latin1Write?: (text: string, offset: number, length: number) => number };

// Views of the signing-input buffer by length, made once each (a `subarray` is a typed-array construction,
// about 300 instructions): one issuer's tokens have a few dozen signing-input lengths. Bounded: lengths up
// to 4096 only (at most 4,096 small view objects, whatever tokens are sent), longer ones get a fresh view.
const MAX_CACHED_INPUT_VIEW = 4096;
const inputViews: Buffer[] = new Array<Buffer>(MAX_CACHED_INPUT_VIEW + 1);

/**
 * The signing input of a split token as bytes: a view of a shared buffer, valid until the next call, so
 * use it synchronously. The syntax check made the token ASCII, whose latin1 bytes are its UTF-8 bytes.
 */
export function signingInputOf(parts: CompactParts): Buffer {
  const length = parts.payloadEnd;
  if (length > SCRATCH_BYTES || typeof inputScratch.latin1Write !== 'function') return Buffer.from(parts.token.slice(0, length), 'latin1');
  inputScratch.latin1Write(parts.token, 0, length);
  if (length > MAX_CACHED_INPUT_VIEW) return inputScratch.subarray(0, length);
  return (inputViews[length] ??= inputScratch.subarray(0, length));
}

function checkLength(segment: string, what: string): void {
  if (segment.length % 4 === 1) throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid base64url`);
}

/**
 * Decodes a base64url segment, refusing lengths no encoder produces (length ≡ 1 mod 4). The result is a
 * view of a shared buffer, valid until the next decode: use it synchronously.
 */
export function decodeSegment(segment: string, what: string): Buffer {
  checkLength(segment, what);
  if (segment.length > SCRATCH_BYTES) return Buffer.from(segment, 'base64url');
  return viewOf(writeBase64url(segment));
}

function decodeText(segment: string, what: string): string {
  checkLength(segment, what);
  if (segment.length > SCRATCH_BYTES) return checkedUtf8(Buffer.from(segment, 'base64url'), what);
  const length = writeBase64url(segment);
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
