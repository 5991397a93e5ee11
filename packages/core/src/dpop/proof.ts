/**
 * Checks one DPoP proof against one request, per RFC 9449 §4.3. Pure apart from the replay store and the
 * clock; knows no framework. The proof header's `jwk` verifies the proof's signature — RFC 9449 §4.2 makes
 * this the one place a key carried by a JWS header is used; the access token itself is never verified
 * with a header-supplied key.
 *
 * Synchronous with node:crypto (as the access-token verifier is), so a request with a DPoP proof makes no
 * promise unless the replay store does (Redis).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';

import { ALGORITHMS, isSupportedAlgorithm, type AlgorithmSpec } from '../algorithms.js';
import { normaliseHtu } from './htu.js';
import type { DpopReplayStore } from './replay-store.js';
import { jwkThumbprint } from './thumbprint.js';

/** Asymmetric algorithms accepted for proofs by default (RFC 9449 §4.3 step 5 forbids `none` and MACs). */
export const DEFAULT_DPOP_ALGORITHMS = Object.freeze(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256']);

/** Default accepted proof age: 60 s either side of now (RFC 9449 §11.1 asks for a short window). */
export const DEFAULT_DPOP_IAT_WINDOW_SECONDS = 60;

/** Upper bound on the size of a `DPoP` header, so a hostile client cannot make us parse megabytes. */
export const MAX_DPOP_PROOF_BYTES = 8 * 1024;

/** The RFC 9449 §7.1 error a refused proof maps to. */
export type DpopRefusalCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** Why a proof was refused. `reason` is for server-side logs; it never contains the proof or a key. */
export interface DpopRefusal {
  readonly ok: false;
  readonly error: DpopRefusalCode;
  readonly reason: string;
}

/** A proof that passed every check, with the thumbprint of its key (to compare with `cnf.jkt`). */
export interface DpopAcceptance {
  readonly ok: true;
  readonly jkt: string;
}

/** What the request must match. */
export interface DpopProofContext {
  /** The raw `DPoP` header value (exactly one header; the caller refuses zero or several). */
  readonly proof: string;
  /** The request method, e.g. `GET`. */
  readonly method: string;
  /**
   * The normalised URL the proof must name, built from configuration (see `expectedHtu`), or a test of
   * the proof's normalised `htu` (several public URLs).
   */
  readonly htu: string | ((normalisedHtu: string) => boolean);
  /** The access token presented with the proof; its hash must equal `ath`. None at a token endpoint (RFC 9449 §5). */
  readonly accessToken: string | undefined;
  /** The token's `cnf.jkt`; the proof key's RFC 7638 thumbprint must equal it. None when the proof is what binds (login). */
  readonly jkt: string | undefined;
  /** A nonce the server currently accepts, or `undefined` when nonces are off. */
  readonly isNonceAccepted?: ((nonce: string) => boolean) | undefined;
}

/** Proof-checking settings, resolved once at start-up. */
export interface DpopProofPolicy {
  readonly algorithms: readonly string[];
  readonly iatWindowSeconds: number;
  readonly replayStore: DpopReplayStore;
  readonly now: () => number;
}

type Outcome = DpopAcceptance | DpopRefusal;

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const COMPACT_JWS = /^([\w-]+)\.([\w-]+)\.([\w-]+)$/;
// Node's names of the JOSE curves (RFC 7518 §3.4).
const NODE_CURVES: Readonly<Record<string, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A proof header that verified once: its key imported and its thumbprint taken, by the header's exact text. */
interface ProofKey {
  readonly spec: AlgorithmSpec;
  readonly key: KeyObject;
  readonly jkt: string;
}

// One entry per client key in use (a client signs every proof with one header). Only headers whose
// signature verified are added, so forged headers cannot churn it; bounded all the same.
const MAX_PROOF_KEYS = 1000;
const proofKeys = new LRUCache<string, ProofKey>({ max: MAX_PROOF_KEYS });

function refuse(reason: string, error: DpopRefusalCode = 'invalid_dpop_proof'): DpopRefusal {
  return { ok: false, error, reason };
}

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the ASCII access token. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
}

/** Whether `key` is of the type and size `spec` needs (a P-384 key cannot sign ES256; no 1024-bit RSA). */
function keyFits(spec: AlgorithmSpec, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (spec.family) {
    case 'EC':
      return type === 'ec' && details.namedCurve === NODE_CURVES[spec.curve!];
    case 'RSA':
    case 'RSA-PSS':
      return type === 'rsa' && (details.modulusLength ?? 0) >= 2048 && (details.modulusLength ?? 0) <= 8192;
    case 'OKP':
      return spec.alg === 'Ed25519' ? type === 'ed25519' : type === 'ed25519' || type === 'ed448';
    default:
      return false;
  }
}

/** Steps 4–7: the header policy and the key it carries; a refusal as a string. */
function proofKeyOf(headerSegment: string, algorithms: readonly string[]): ProofKey | string {
  const header = decodeJson(headerSegment);
  if (!isRecord(header)) return 'proof header is not a JSON object';
  // Step 4: typ.
  if (header.typ !== 'dpop+jwt') return 'proof typ is not dpop+jwt';
  // Step 5: an asymmetric algorithm from the allow-list.
  const alg = header.alg;
  if (typeof alg !== 'string' || !algorithms.includes(alg) || !isSupportedAlgorithm(alg) || ALGORITHMS[alg].family === 'HMAC')
    return 'proof alg is not allowed';
  if (header.crit !== undefined) return 'proof uses crit';
  // Step 7: a public key, never a private one.
  const jwk = header.jwk;
  if (!isRecord(jwk)) return 'proof header has no jwk';
  if (PRIVATE_JWK_MEMBERS.some((member) => Object.hasOwn(jwk, member))) return 'proof jwk contains private key material';
  if (jwk.kty === 'oct') return 'proof jwk is symmetric';
  const jkt = jwkThumbprint(jwk);
  if (jkt === undefined) return 'proof jwk is not a usable public key';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    return 'proof jwk is not a usable public key';
  }
  const spec = ALGORITHMS[alg];
  if (!keyFits(spec, key)) return 'proof jwk does not fit its alg';
  return { spec, key, jkt };
}

/**
 * Runs every RFC 9449 §4.3 check, cheapest first; the replay store is consulted last, only for proofs that
 * are otherwise valid. Returns the outcome itself, or a promise of it when the replay store answers with one.
 */
export function checkDpopProof(context: DpopProofContext, policy: DpopProofPolicy): Outcome | Promise<Outcome> {
  const { proof } = context;
  if (typeof proof !== 'string' || proof.length === 0 || proof.length > MAX_DPOP_PROOF_BYTES) return refuse('proof is empty or too large');
  // Step 2: a well-formed compact JWS.
  const parts = COMPACT_JWS.exec(proof);
  if (parts === null) return refuse('proof is not a compact JWS');
  const [, headerSegment, payloadSegment, signatureSegment] = parts as unknown as [string, string, string, string];

  const known = proofKeys.get(headerSegment);
  const proofKey = known ?? proofKeyOf(headerSegment, policy.algorithms);
  if (typeof proofKey === 'string') return refuse(proofKey);
  // A cached header passed with the policy of its time: the allow-list is per verifier, so check it again.
  if (known !== undefined && !policy.algorithms.includes(proofKey.spec.alg)) return refuse('proof alg is not allowed');

  // Step 6: the signature verifies with that key.
  let valid = false;
  try {
    valid = proofKey.spec.verify(proofKey.key, proof.slice(0, headerSegment.length + 1 + payloadSegment.length), Buffer.from(signatureSegment, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return refuse('proof signature does not verify with its jwk');
  if (known === undefined) proofKeys.set(headerSegment, proofKey);

  const claims = decodeJson(payloadSegment);
  if (!isRecord(claims)) return refuse('proof payload is not a JSON object');
  // Step 3: required claims.
  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return refuse('proof jti is missing or invalid');
  // Step 8: htm.
  if (htm !== context.method) return refuse('proof htm does not match the request method');
  // Step 9: htu, normalised on both sides, query and fragment ignored.
  const named = typeof htu === 'string' ? normaliseHtu(htu.split(/[?#]/, 1)[0] ?? '') : undefined;
  const htuMatches = named !== undefined && (typeof context.htu === 'string' ? named === context.htu : context.htu(named));
  if (!htuMatches) return refuse('proof htu does not match the request URL');
  // Step 11: iat within the window.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return refuse('proof iat is missing');
  const nowSeconds = policy.now() / 1000;
  if (Math.abs(nowSeconds - iat) > policy.iatWindowSeconds) return refuse('proof iat is outside the accepted window');
  // Step 10: server nonce (RFC 9449 §8).
  if (context.isNonceAccepted !== undefined) {
    if (typeof nonce !== 'string' || !context.isNonceAccepted(nonce)) return refuse('proof nonce is missing or stale', 'use_dpop_nonce');
  }
  // Step 12: ath and the key binding.
  if (context.accessToken !== undefined && ath !== accessTokenHash(context.accessToken)) return refuse('proof ath does not match the access token');
  if (context.jkt !== undefined && proofKey.jkt !== context.jkt) return refuse('proof key does not match the token cnf.jkt');
  // §11.1: each proof is used once within the window; the entry outlives the window on both sides. The
  // identifier is scoped to the key, so one client cannot use up another's identifiers.
  const fresh = policy.replayStore.remember(`${proofKey.jkt}.${jti}`, 2 * policy.iatWindowSeconds);
  const accepted: DpopAcceptance = { ok: true, jkt: proofKey.jkt };
  if (typeof fresh === 'boolean') return fresh ? accepted : refuse('proof jti was already used');
  return Promise.resolve(fresh).then((first) => (first === true ? accepted : refuse('proof jti was already used')));
}
