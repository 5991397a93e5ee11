/**
 * Checks one DPoP proof against one request, per RFC 9449 §4.3. Pure apart from the replay store and the
 * clock; knows no framework. The proof header's `jwk` verifies the proof's signature — RFC 9449 §4.2 makes
 * this the one place a key carried by a JWS header is used; the access token itself is never verified
 * with a header-supplied key.
 */

import { base64url, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { createHash } from 'node:crypto';

import { normaliseHtu } from './htu.js';
import type { DpopReplayStore } from './replay-store.js';

/** Asymmetric algorithms accepted for proofs by default (RFC 9449 §4.3 step 5 forbids `none` and MACs). */
export const DEFAULT_DPOP_ALGORITHMS = Object.freeze(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256']);

/** Default accepted proof age: 60 s either side of now (RFC 9449 §11.1 asks for a short window). */
export const DEFAULT_DPOP_IAT_WINDOW_SECONDS = 60;

/** Upper bound on the size of a `DPoP` header, so a hostile client cannot make us parse megabytes. */
export const MAX_DPOP_PROOF_BYTES = 8 * 1024;

/** The RFC 9449 §7.1 error a refused proof maps to. */
export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** Why a proof was refused. `reason` is for server-side logs; it never contains the proof or a key. */
export interface DpopRefusal {
  readonly ok: false;
  readonly error: DpopErrorCode;
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
  /** The normalised URL the proof must name, built from configuration (see `expectedHtu`). */
  readonly htu: string;
  /** The access token presented with the proof; its hash must equal `ath`. */
  readonly accessToken: string;
  /** The token's `cnf.jkt`; the proof key's RFC 7638 thumbprint must equal it. */
  readonly jkt: string;
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

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function refuse(reason: string, error: DpopErrorCode = 'invalid_dpop_proof'): DpopRefusal {
  return { ok: false, error, reason };
}

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the ASCII access token. */
export function accessTokenHash(accessToken: string): string {
  return base64url.encode(createHash('sha256').update(accessToken, 'ascii').digest());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs every RFC 9449 §4.3 check, cheapest first; the replay store is consulted last, only for proofs that are otherwise valid. */
export async function checkDpopProof(context: DpopProofContext, policy: DpopProofPolicy): Promise<DpopAcceptance | DpopRefusal> {
  const { proof } = context;
  if (proof.length === 0 || proof.length > MAX_DPOP_PROOF_BYTES) return refuse('proof is empty or too large');
  // Step 2: a well-formed compact JWS.
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof)) return refuse('proof is not a compact JWS');
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(proof) as Record<string, unknown>;
  } catch {
    return refuse('proof header is not valid JSON');
  }
  // Step 4: typ.
  if (header.typ !== 'dpop+jwt') return refuse('proof typ is not dpop+jwt');
  // Step 5: asymmetric algorithm from the allow-list.
  if (typeof header.alg !== 'string' || !policy.algorithms.includes(header.alg)) return refuse('proof alg is not allowed');
  // Step 7: a public key, never a private one.
  const jwk = header.jwk;
  if (!isRecord(jwk)) return refuse('proof header has no jwk');
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) return refuse('proof jwk contains private key material');
  if (jwk.kty === 'oct') return refuse('proof jwk is symmetric');
  if (header.crit !== undefined) return refuse('proof uses crit');

  // Step 6: the signature verifies with that key.
  let payloadBytes: Uint8Array;
  try {
    const key = await importJWK(jwk as JWK, header.alg);
    ({ payload: payloadBytes } = await compactVerify(proof, key, { algorithms: [header.alg] }));
  } catch {
    return refuse('proof signature does not verify with its jwk');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch {
    return refuse('proof payload is not JSON');
  }
  if (!isRecord(claims)) return refuse('proof payload is not an object');

  // Step 3: required claims.
  const { jti, htm, htu, iat, ath, nonce } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) return refuse('proof jti is missing or invalid');
  // Step 8: htm.
  if (htm !== context.method) return refuse('proof htm does not match the request method');
  // Step 9: htu, normalised on both sides, query and fragment ignored.
  if (typeof htu !== 'string' || normaliseHtu(htu.split(/[?#]/, 1)[0] ?? '') !== context.htu) return refuse('proof htu does not match the request URL');
  // Step 11: iat within the window.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return refuse('proof iat is missing');
  const nowSeconds = policy.now() / 1000;
  if (Math.abs(nowSeconds - iat) > policy.iatWindowSeconds) return refuse('proof iat is outside the accepted window');
  // Step 10: server nonce (RFC 9449 §8).
  if (context.isNonceAccepted !== undefined) {
    if (typeof nonce !== 'string' || !context.isNonceAccepted(nonce)) return refuse('proof nonce is missing or stale', 'use_dpop_nonce');
  }
  // Step 12: ath and the key binding.
  if (ath !== accessTokenHash(context.accessToken)) return refuse('proof ath does not match the access token');
  const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  if (jkt !== context.jkt) return refuse('proof key does not match the token cnf.jkt');
  // §11.1: each proof is used once within the window; the entry outlives the window on both sides.
  if (!(await policy.replayStore.remember(jti, 2 * policy.iatWindowSeconds))) return refuse('proof jti was already used');
  return { ok: true, jkt };
}
