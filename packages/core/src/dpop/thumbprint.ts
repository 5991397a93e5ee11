/**
 * RFC 7638 JWK thumbprints, computed synchronously with node:crypto (jose's are asynchronous WebCrypto
 * digests: a thread-pool hop per request for a value that is a hash of a few dozen bytes).
 */
import { createHash } from 'node:crypto';

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The base64url SHA-256 thumbprint of a public JWK (RFC 7638 §3): the JSON of its required members in
 * lexicographic order, without whitespace. `undefined` for a key type without asymmetric members or a
 * required member that is not a string.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const kty = jwk.kty;
  const members = typeof kty === 'string' && Object.hasOwn(REQUIRED_MEMBERS, kty) ? REQUIRED_MEMBERS[kty]! : undefined;
  if (members === undefined) return undefined;
  const parts: string[] = [];
  for (const member of members) {
    const value = Object.hasOwn(jwk, member) ? jwk[member] : undefined;
    if (typeof value !== 'string') return undefined;
    parts.push(`${JSON.stringify(member)}:${JSON.stringify(value)}`);
  }
  return createHash('sha256')
    .update(`{${parts.join(',')}}`)
    .digest('base64url');
}
