/**
 * DPoP proofs outside the request authenticator: for an issuer's token endpoint (RFC 9449 §5), where the
 * proof comes with a login or a refresh token rather than an access token, and binds what is issued.
 */
import { checkDpopProof, type DpopAcceptance, type DpopRefusal } from './proof.js';
import { resolveDpopOptions, type DpopOptions } from './options.js';

/** Checks proofs for one endpoint family, with one replay store and one nonce source. */
export interface DpopProofChecker {
  /**
   * Checks the `DPoP` header value(s) of a request: exactly one, made for `method` and the configured
   * `publicUrl` + `path`, unreplayed, with a current nonce when nonces are on; with `accessToken`, its
   * `ath`; with `jkt`, from that key. Resolves to the proof key's thumbprint, or a refusal.
   */
  check(
    header: string | readonly string[] | undefined,
    method: string,
    path: string,
    binding?: { accessToken?: string; jkt?: string },
  ): DpopAcceptance | DpopRefusal | Promise<DpopAcceptance | DpopRefusal>;
  /** A fresh nonce for `DPoP-Nonce`, or `undefined` when nonces are off. */
  nonce(): string | undefined;
  /** The accepted proof algorithms, for `dpop_signing_alg_values_supported`. */
  readonly algorithms: readonly string[];
}

/** Builds a checker from the same options as the adapters' `dpop` (validated now; `mode` is ignored). */
export function createDpopProofChecker(options: DpopOptions): DpopProofChecker {
  const policy = resolveDpopOptions({ ...options, mode: 'allowed' });
  if (policy === undefined) throw new TypeError('latchkey: DPoP options are required');
  const { nonces } = policy;
  return Object.freeze({
    algorithms: policy.algorithms,
    nonce: () => nonces?.current(),
    check(header: string | readonly string[] | undefined, method: string, path: string, binding: { accessToken?: string; jkt?: string } = {}) {
      if (header === undefined || header === '') return { ok: false, error: 'invalid_dpop_proof', reason: 'no DPoP header' } as const;
      if (typeof header !== 'string') return { ok: false, error: 'invalid_dpop_proof', reason: 'more than one DPoP header' } as const;
      const htu = policy.htuFor(path);
      if (htu === undefined) return { ok: false, error: 'invalid_dpop_proof', reason: 'the request path is not absolute' } as const;
      return checkDpopProof(
        {
          proof: header,
          method,
          htu,
          accessToken: binding.accessToken,
          jkt: binding.jkt,
          isNonceAccepted: nonces === undefined ? undefined : (nonce) => nonces.accepts(nonce),
        },
        policy.proof,
      );
    },
  });
}
