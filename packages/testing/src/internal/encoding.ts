/** A JWS part as the hostile helpers accept it: an object (JSON-encoded), raw JSON text, or raw bytes. */
export type RawPart = Readonly<Record<string, unknown>> | string | Uint8Array;

/** The bytes of a part: objects JSON-encoded, strings UTF-8, bytes as given. */
export function partBytes(part: RawPart): Buffer {
  if (typeof part === 'string') return Buffer.from(part, 'utf8');
  if (part instanceof Uint8Array) return Buffer.from(part);
  return Buffer.from(JSON.stringify(part), 'utf8');
}

/** base64url without padding (RFC 7515 §2). */
export function b64url(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64url');
}

/** Decodes one base64url part of a compact JWS as a JSON object; throws a TypeError naming the part. */
export function decodeJsonPart(part: string | undefined, name: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below, with the part's name.
  }
  throw new TypeError(`the token's ${name} is not a base64url-encoded JSON object`);
}
