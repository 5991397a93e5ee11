/**
 * Sender-constrained tokens: after the token verified (or came from the cache), the request must prove it
 * holds the key the token is bound to (`cnf`, RFC 7800): a fresh DPoP proof for `cnf.jkt` (RFC 9449), the
 * client certificate for `cnf["x5t#S256"]` (RFC 8705 §3). Runs on every request, cache hits included: the
 * cache remembers that a token is valid, never that a request proved possession.
 */
import { LatchkeyError } from './errors.js';
import type { DpopPolicy } from './dpop/options.js';
import { checkDpopProof, type DpopAcceptance, type DpopRefusal } from './dpop/proof.js';
import type { MtlsPolicy } from './mtls.js';
import { own } from './own.js';
import type { JwtPayload, VerifiedToken } from './types.js';

/** What the binding check needs of the request, read only when the token asks for it. */
export interface Presentation {
  readonly scheme: 'Bearer' | 'DPoP';
  /** The `DPoP` header value (exactly one; the extraction refused several), for the `DPoP` scheme. */
  readonly proof: string | undefined;
  method(): string;
  path(): string;
  /** The client certificate's thumbprint, `undefined` without one, `null` when a forwarded one is malformed. */
  certificateThumbprint(): string | undefined | null;
}

/** The binding settings of one authenticator. */
export interface BindingPolicy {
  readonly dpop: DpopPolicy | undefined;
  readonly mtls: MtlsPolicy | undefined;
}

const bindingError = (message: string, detail?: string): LatchkeyError => new LatchkeyError('ERR_TOKEN_BINDING_INVALID', message, { detail });

/**
 * The token's own `cnf`, as `own()` reads it, without a `hasOwn` call for the common token that has none:
 * a plain read that finds nothing, neither own nor inherited, is already the answer; anything else (an own
 * `cnf`, or one a polluted `Object.prototype` lends) is decided by `own()`.
 */
function cnfOf(payload: object): unknown {
  return (payload as { cnf?: unknown }).cnf === undefined ? undefined : own(payload, 'cnf');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * For `verifier.verify(token)`, which sees no request: a sender-constrained token (`cnf`) is refused, as
 * a bearer presentation of it would be (RFC 9449 §7.2, RFC 8705 §3). A token without `cnf` is returned.
 */
export function unbound<Result extends VerifiedToken>(result: Result): Result {
  if (cnfOf(result.payload) !== undefined) {
    throw bindingError('the token is sender-constrained (cnf): it is accepted only with its proof of possession, through authenticate()');
  }
  return result;
}

/** The scheme a verified token must have come with: `DPoP` for a `cnf.jkt` token (no downgrade holds). */
export function schemeOf(auth: VerifiedToken | null | undefined): 'Bearer' | 'DPoP' {
  const cnf = auth == null ? undefined : cnfOf(auth.payload);
  return isRecord(cnf) && own(cnf, 'jkt') !== undefined ? 'DPoP' : 'Bearer';
}

/**
 * Refuses a token whose binding the request does not satisfy; returns `undefined` (or a promise, when the
 * replay store answers with one) when it holds. A token without `cnf`, sent as `Bearer`, costs one
 * own-property read.
 */
export function checkBinding<Payload extends JwtPayload>(
  result: VerifiedToken<Payload>,
  presentation: Presentation,
  policy: BindingPolicy,
): void | Promise<void> {
  const cnf = cnfOf(result.payload);
  if (cnf === undefined) {
    if (presentation.scheme === 'DPoP') throw bindingError('the token is not DPoP-bound: send it as Bearer', 'no cnf claim');
    return;
  }
  if (!isRecord(cnf)) throw bindingError("the token's cnf claim is malformed");
  const jkt = own(cnf, 'jkt');
  const x5t = own(cnf, 'x5t#S256');
  // A confirmation method this server cannot check (cnf.jwk, cnf.kid...) is refused: accepting the token
  // would let whoever holds it use it.
  if (jkt === undefined && x5t === undefined)
    throw bindingError('the token is bound by a confirmation method this server does not support', `cnf members: ${Object.keys(cnf).slice(0, 8).join(', ')}`);
  if (x5t !== undefined) checkCertificate(x5t, presentation, policy.mtls);
  if (jkt === undefined) {
    if (presentation.scheme === 'DPoP') throw bindingError('the token is not DPoP-bound: send it as Bearer', 'cnf has no jkt');
    return;
  }
  if (typeof jkt !== 'string' || jkt === '') throw bindingError("the token's cnf.jkt is malformed");
  // RFC 9449 §7.2: a DPoP-bound token is never accepted as a bearer token.
  if (presentation.scheme !== 'DPoP' || policy.dpop === undefined) throw bindingError('the token is DPoP-bound: send it with the DPoP scheme and a proof');
  return checkProof(result.token, jkt, presentation, policy.dpop);
}

function checkCertificate(x5t: unknown, presentation: Presentation, mtls: MtlsPolicy | undefined): void {
  if (typeof x5t !== 'string' || x5t === '') throw bindingError('the token\'s cnf["x5t#S256"] is malformed');
  if (mtls === undefined) throw bindingError('the token is certificate-bound, and this server does not accept mutual-TLS tokens', 'set the mtls option');
  const thumbprint = presentation.certificateThumbprint();
  if (thumbprint === null) throw bindingError('the forwarded client certificate is malformed');
  if (thumbprint === undefined) throw bindingError('the token is certificate-bound and no client certificate was presented');
  if (thumbprint !== x5t) throw bindingError('the client certificate is not the one the token is bound to', `certificate x5t#S256 ${thumbprint}`);
}

function checkProof(token: string, jkt: string, presentation: Presentation, dpop: DpopPolicy): void | Promise<void> {
  const proof = presentation.proof;
  if (proof === undefined) throw proofError({ ok: false, error: 'invalid_dpop_proof', reason: 'no DPoP header' });
  const htu = dpop.htuFor(presentation.path());
  if (htu === undefined) throw proofError({ ok: false, error: 'invalid_dpop_proof', reason: 'the request path is not absolute' });
  const nonces = dpop.nonces;
  const outcome = checkDpopProof(
    {
      proof,
      method: presentation.method(),
      htu,
      accessToken: token,
      jkt,
      isNonceAccepted: nonces === undefined ? undefined : (nonce) => nonces.accepts(nonce),
    },
    dpop.proof,
  );
  if (!(outcome instanceof Promise)) return settle(outcome);
  return outcome.then(settle);
}

function settle(outcome: DpopAcceptance | DpopRefusal): void {
  if (!outcome.ok) throw proofError(outcome);
}

function proofError(refusal: DpopRefusal): LatchkeyError {
  return refusal.error === 'use_dpop_nonce'
    ? new LatchkeyError('ERR_DPOP_NONCE_REQUIRED', 'the DPoP proof must carry the server nonce', { detail: refusal.reason })
    : // The reasons are fixed texts (never the proof, a key or a claim value): the client may read why.
      new LatchkeyError('ERR_DPOP_PROOF_INVALID', `DPoP ${refusal.reason}`, { detail: refusal.reason });
}
