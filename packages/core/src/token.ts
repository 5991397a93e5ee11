import { LatchkeyError } from './errors.js';

/** A compact JWS split into its parts. Nothing in it is trusted yet. */
export interface CompactParts {
  readonly headerSegment: string;
  readonly payloadSegment: string;
  /** `header.payload`: the exact bytes the signature covers. */
  readonly signingInput: string;
  readonly signatureSegment: string;
}

// Three non-empty base64url segments and nothing else (RFC 7515 §7.1, RFC 7515 §2: no padding).
// This also refuses JWE (five segments), unsecured JWS (empty signature, `alg: none`), detached payloads
// (RFC 7797 `b64: false` needs an empty middle segment) and any character outside the alphabet, so a
// lenient base64 decoder can never read one token two ways.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Splits a compact JWS after checking its size and syntax. Throws `ERR_JWT_TOO_LARGE` or `ERR_JWT_MALFORMED`.
 * The size check comes first, so a huge input costs nothing more than its length.
 */
export function splitCompact(token: unknown, maxTokenBytes: number): CompactParts {
  if (typeof token !== 'string') throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not a string');
  if (token.length > maxTokenBytes) throw new LatchkeyError('ERR_JWT_TOO_LARGE', `the token exceeds ${maxTokenBytes} bytes`);
  if (!COMPACT_JWS.test(token)) throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token is not a compact JWS (three base64url segments)');
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  return {
    headerSegment: token.slice(0, firstDot),
    payloadSegment: token.slice(firstDot + 1, secondDot),
    signingInput: token.slice(0, secondDot),
    signatureSegment: token.slice(secondDot + 1),
  };
}

/** Decodes a base64url segment, refusing lengths no encoder produces (length ≡ 1 mod 4). */
export function decodeSegment(segment: string, what: string): Buffer {
  if (segment.length % 4 === 1) throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid base64url`);
  return Buffer.from(segment, 'base64url');
}

/** Decodes a segment that must hold a JSON object (RFC 7515 §5.2 steps 2–4, RFC 7519 §7.2 step 10). */
export function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeSegment(segment, what).toString('utf8'));
  } catch (error) {
    if (error instanceof LatchkeyError) throw error;
    throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LatchkeyError('ERR_JWT_MALFORMED', `the ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
