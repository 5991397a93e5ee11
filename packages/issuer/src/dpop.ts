/**
 * DPoP at the token endpoint (RFC 9449 §5): a login or refresh that carries a proof gets tokens bound to
 * the proof's key (`cnf.jkt`), and a bound refresh token is refreshed only with a proof from that key —
 * RFC 9700 §2.2.2's sender-constraining for public clients: a stolen refresh token is useless without the
 * private key the browser keeps.
 */
import type { JwtPayload } from '@latchkey/core';
import type { DpopProofChecker } from '@latchkey/core/adapter';
import { json } from './http/responses.js';
import type { IssuerRequest, IssuerResponse } from './http/types.js';

/** The key a token is bound to (`cnf.jkt`), when it is. */
export function boundKey(payload: JwtPayload): string | undefined {
  const cnf = Object.hasOwn(payload, 'cnf') ? payload.cnf : undefined;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>).jkt : undefined;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** The claims that bind a new token to `jkt` (none without a key). */
export function binding(jkt: string | undefined): JwtPayload {
  return jkt === undefined ? {} : { cnf: { jkt } };
}

/** RFC 9449 §5: token endpoint errors are 400 `{ error, error_description }`, with `DPoP-Nonce` when one is asked for. */
function refused(error: string, description: string, nonce?: string): IssuerResponse {
  return json(400, { error, error_description: description }, nonce === undefined ? {} : { 'dpop-nonce': nonce });
}

/**
 * The proof of a token request: `{ jkt }` of a valid proof, `{ jkt: undefined }` without DPoP (none sent,
 * none required), or the 400 to answer. `required` is the key of the refresh token presented, if bound.
 */
export async function tokenRequestProof(
  checker: DpopProofChecker | undefined,
  request: IssuerRequest,
  required: string | undefined,
): Promise<{ jkt: string | undefined } | IssuerResponse> {
  const header = request.headers.dpop;
  if (header === undefined)
    return required === undefined
      ? { jkt: undefined }
      : refused('invalid_dpop_proof', 'the refresh token is DPoP-bound: a DPoP proof from its key is required');
  // A proof this issuer was not configured to check is refused rather than ignored: the client would believe its tokens bound.
  if (checker === undefined) return refused('invalid_dpop_proof', 'DPoP is not enabled on this issuer');
  const outcome = await checker.check(header, request.method, request.path, { jkt: required });
  if (outcome.ok) return { jkt: outcome.jkt };
  return outcome.error === 'use_dpop_nonce'
    ? refused('use_dpop_nonce', 'the DPoP proof must carry the server nonce', checker.nonce())
    : refused('invalid_dpop_proof', `DPoP ${outcome.reason}`);
}
