/**
 * DPoP proofs in the browser (RFC 9449 §4): an ES256 key made with WebCrypto, its private half
 * non-extractable (script can sign with it, never read it: an XSS can use the key while the page is open,
 * but cannot carry it away), and one proof per request.
 */

/** Signs proofs with one key pair. */
export interface DpopSigner {
  /** The key pair, to hand to sibling tabs (a CryptoKey crosses BroadcastChannel by structured clone, still non-extractable). */
  readonly keyPair: CryptoKeyPair;
  /** A proof for `method` `url` (query and fragment dropped), with `ath` for `accessToken` and the server's `nonce`. */
  proof(method: string, url: string | URL, accessToken?: string, nonce?: string): Promise<string>;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value: unknown): string => base64url(encoder.encode(JSON.stringify(value)));

/** A signer with `keyPair`, or with a new non-extractable P-256 key pair. */
export async function createDpopSigner(keyPair?: CryptoKeyPair): Promise<DpopSigner> {
  const pair = keyPair ?? ((await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair);
  // The public half of a pair is always exportable; only its members go in the header (RFC 7638 order not needed here).
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const header = encodeJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  return {
    keyPair: pair,
    async proof(method, url, accessToken, nonce) {
      const htu = new URL(url, globalThis.location?.href);
      htu.search = '';
      htu.hash = '';
      const claims: Record<string, unknown> = { jti: crypto.randomUUID(), htm: method.toUpperCase(), htu: htu.href, iat: Math.floor(Date.now() / 1000) };
      if (accessToken !== undefined) claims.ath = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(accessToken))));
      if (nonce !== undefined) claims.nonce = nonce;
      const input = `${header}.${encodeJson(claims)}`;
      // WebCrypto's ECDSA signature is already r || s (IEEE P1363), the JWS form.
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, encoder.encode(input));
      return `${input}.${base64url(new Uint8Array(signature))}`;
    },
  };
}
