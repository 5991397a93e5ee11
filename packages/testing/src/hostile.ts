/** Hostile tokens for security tests: tampered, re-signed, alg-confused and otherwise malicious JWTs. */
import { constants, createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { isAsymmetricAlgorithm, isHmacAlgorithm, type SigningAlgorithm } from './algorithms.js';
import { b64url, decodeJsonPart, partBytes, type RawPart } from './internal/encoding.js';
import { assertOptions, isRecord, kindOf } from './internal/options.js';
import { assertTokenSigningKey, isHmacSecret, type SigningKey, type TokenSigningKey } from './keys.js';

// Hostile tokens for security tests. jose rightly refuses to make most of these (a header whose `alg` does
// not fit the key, an unknown `crit`, `alg: "none"`), so the signatures here come from node:crypto directly
// and every byte of the header is the caller's. Nothing here should ever verify.

export type { RawPart };

/**
 * Assembles a compact JWS from its three parts, with no checks and no signing: the tool for malformed
 * tokens.
 *
 * Each of `header` and `payload` is an object (JSON-encoded), a string (taken as the raw JSON text, so
 * duplicate keys or broken JSON are possible) or bytes. `signature` is bytes (base64url-encoded here) or a
 * string used verbatim (so it may be invalid base64url). Default: an empty signature.
 *
 * @example
 * ```ts
 * // "Psychic signature" (CVE-2022-21449): an all-zero ES256 signature.
 * const psychic = encodeCompact({ alg: 'ES256', kid }, tokens.claims(), new Uint8Array(64));
 * // A header that is not JSON.
 * const broken = encodeCompact('{"alg":', tokens.claims(), new Uint8Array(32));
 * ```
 */
export function encodeCompact(header: RawPart, payload: RawPart, signature: Uint8Array | string = ''): string {
  const sig = typeof signature === 'string' ? signature : b64url(signature);
  return `${b64url(partBytes(header))}.${b64url(partBytes(payload))}.${sig}`;
}

/**
 * Encodes an unsecured JWT (RFC 7519 §6): header and payload, empty signature. Pass `{ alg: 'none' }` (or
 * `'None'`, `'NONE'`: verifiers have been fooled by case) as the header.
 *
 * @example
 * ```ts
 * const token = encodeUnsigned({ alg: 'none', typ: 'JWT' }, tokens.claims());
 * ```
 */
export function encodeUnsigned(header: RawPart, payload: RawPart): string {
  return encodeCompact(header, payload, '');
}

/** Options of {@link signWithHeader}. */
export interface SignWithHeaderOptions {
  /**
   * The algorithm the signature is really computed with, whatever the header says. Default: the key's own
   * `alg`. It must suit the key (an RSA key signs RS* and PS*, an HMAC secret HS*).
   */
  signingAlg?: SigningAlgorithm;
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

function rawSign(alg: SigningAlgorithm, key: TokenSigningKey, data: Buffer): Buffer {
  const hash = HASH[alg.slice(2)];
  if (isHmacAlgorithm(alg)) {
    if (!isHmacSecret(key)) {
      throw new TypeError(`signWithHeader: ${alg} needs an HMAC secret; to sign HMAC with a public key use signWithPublicKeyAsSecret`);
    }
    return createHmac(hash ?? 'sha256', key.secret)
      .update(data)
      .digest();
  }
  if (isHmacSecret(key)) throw new TypeError(`signWithHeader: ${alg} needs a key pair, not an HMAC secret`);
  const privateKey: KeyObject = key.privateKey;
  if (alg === 'EdDSA' || alg === 'Ed25519') return cryptoSign(null, data, privateKey);
  if (alg.startsWith('PS')) {
    return cryptoSign(hash ?? null, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  }
  if (alg.startsWith('ES')) return cryptoSign(hash ?? null, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return cryptoSign(hash ?? null, data, privateKey);
}

/**
 * Signs a token whose protected header is exactly `header`: nothing is added (not even `alg` or `kid`),
 * nothing is checked. The signature is genuine, computed with `options.signingAlg` (default: the key's `alg`)
 * whatever the header claims. When `header` is an object with `b64: false`, the payload is signed and sent
 * unencoded (RFC 7797). Synchronous.
 *
 * @example
 * ```ts
 * const claims = tokens.claims();
 * // The key is RSA; the header claims ES256.
 * signWithHeader({ alg: 'ES256', kid: key.kid }, claims, key);
 * // An attacker's own key, embedded in the header (CVE-2018-0114 class).
 * signWithHeader({ alg: 'RS256', jwk: attacker.publicJwk }, claims, attacker);
 * // Keys from a URL the token chooses.
 * signWithHeader({ alg: 'RS256', kid: attacker.kid, jku: 'http://127.0.0.1:1/jwks.json' }, claims, attacker);
 * // A critical extension nobody understands.
 * signWithHeader({ alg: 'RS256', kid: key.kid, crit: ['exp-v2'], 'exp-v2': 1 }, claims, key);
 * ```
 */
export function signWithHeader(header: RawPart, payload: RawPart, key: TokenSigningKey, options: SignWithHeaderOptions = {}): string {
  assertTokenSigningKey(key, 'signWithHeader: "key"');
  assertOptions(options, ['signingAlg'], 'signWithHeader');
  const { signingAlg } = options;
  // The header is the caller's to falsify; the algorithm the signature is really made with is not.
  if (signingAlg !== undefined && !isHmacAlgorithm(signingAlg) && !isAsymmetricAlgorithm(signingAlg)) {
    throw new TypeError(`signWithHeader: "signingAlg" must be a signing algorithm (RS*, PS*, ES*, EdDSA, Ed25519, HS*), got ${JSON.stringify(signingAlg)}`);
  }
  const alg = signingAlg ?? key.alg;
  const encodedHeader = b64url(partBytes(header));
  const unencoded = typeof header === 'object' && !(header instanceof Uint8Array) && header.b64 === false;
  const payloadBytes = partBytes(payload);
  const payloadPart = unencoded ? payloadBytes.toString('utf8') : b64url(payloadBytes);
  const signingInput = Buffer.concat([Buffer.from(`${encodedHeader}.`, 'ascii'), unencoded ? payloadBytes : Buffer.from(payloadPart, 'ascii')]);
  return `${encodedHeader}.${payloadPart}.${b64url(rawSign(alg, key, signingInput))}`;
}

/** Options of {@link signWithPublicKeyAsSecret}. */
export interface SignWithPublicKeyAsSecretOptions {
  /** Which text of the public key is the HMAC secret: the SPKI PEM or the JWK's JSON. Default: `'pem'`. */
  format?: 'pem' | 'jwk';
}

/**
 * The algorithm-confusion attack (CVE-2015-9235, CVE-2016-10555, CVE-2022-23541): an HMAC signature keyed by
 * the victim's *public* key, which an attacker has. A verifier that lets the token's `alg` pick HMAC and then
 * feeds it the configured public key accepts it. The hash follows `header.alg` (HS256, HS384 or HS512;
 * SHA-256 for anything else).
 *
 * @example
 * ```ts
 * const token = signWithPublicKeyAsSecret({ alg: 'HS256', kid: key.kid }, tokens.claims(), key);
 * ```
 */
export function signWithPublicKeyAsSecret(
  header: Readonly<Record<string, unknown>>,
  payload: RawPart,
  key: SigningKey,
  options: SignWithPublicKeyAsSecretOptions = {},
): string {
  assertOptions(options, ['format'], 'signWithPublicKeyAsSecret');
  const format = options.format ?? 'pem';
  if (format !== 'pem' && format !== 'jwk') throw new TypeError('signWithPublicKeyAsSecret: "format" must be "pem" or "jwk"');
  if (typeof key !== 'object' || key === null || typeof key.publicKeyPem !== 'string') {
    throw new TypeError('signWithPublicKeyAsSecret: "key" must be a key from generateSigningKey');
  }
  const secret = Buffer.from(format === 'pem' ? key.publicKeyPem : JSON.stringify(key.publicJwk), 'utf8');
  const alg = isHmacAlgorithm(header.alg) ? header.alg : 'HS256';
  return signWithHeader(header, payload, { alg, kid: undefined, secret }, { signingAlg: alg });
}

/** The changes {@link tamperToken} makes: members to add or replace, `undefined` to remove. */
export interface TokenTampering {
  header?: Readonly<Record<string, unknown>>;
  payload?: Readonly<Record<string, unknown>>;
}

/**
 * Changes a signed token's header or payload and keeps its original signature, which therefore no longer
 * matches: the "edit the claims, hope nobody checks" attack.
 *
 * @example
 * ```ts
 * const token = await tokens.sign({ scope: 'read' });
 * const forged = tamperToken(token, { payload: { scope: 'read admin' } });
 * const downgraded = tamperToken(token, { header: { alg: 'none' } });
 * ```
 */
export function tamperToken(token: string, changes: TokenTampering): string {
  if (typeof token !== 'string') throw new TypeError('tamperToken: "token" must be a compact JWS string');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TypeError('tamperToken: "token" must have three dot-separated parts');
  assertOptions(changes, ['header', 'payload'], 'tamperToken', 'changes');
  // A string or an array spread into a part would add members named "0", "1"...: a change nobody meant.
  for (const name of ['header', 'payload'] as const) {
    const change = changes[name];
    if (change !== undefined && !isRecord(change)) throw new TypeError(`tamperToken: "${name}" must be an object of members, got ${kindOf(change)}`);
  }
  const apply = (part: string | undefined, name: string, change: Readonly<Record<string, unknown>> | undefined): string => {
    if (change === undefined) return part ?? '';
    const merged: Record<string, unknown> = { ...decodeJsonPart(part, name), ...change };
    for (const member of Object.keys(merged)) if (merged[member] === undefined) delete merged[member];
    return b64url(JSON.stringify(merged));
  };
  return `${apply(parts[0], 'header', changes.header)}.${apply(parts[1], 'payload', changes.payload)}.${parts[2] ?? ''}`;
}
