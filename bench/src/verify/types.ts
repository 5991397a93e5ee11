import type { Alg, AlgKeys } from '../common/algs.js';
import type { Fixture } from '../common/fixture.js';
import type { JwksServer } from '../common/jwks-server.js';

/** What a contender's factory gets: the algorithm, its keys, and the workload it will be timed on. */
export interface VerifyContext {
  readonly alg: Alg;
  readonly keys: AlgKeys;
  readonly fixture: Fixture;
  readonly jwks: JwksServer;
  /** A JWKS path prefix of this instance's own, so its fetches are counted apart. */
  readonly tag: string;
  /** The tokens it will be called with, in order (the floor precomputes their signing inputs). */
  readonly tokens: readonly string[];
}

/**
 * Verifies one token: returns (or resolves) on success; throws (or returns `false`, the floor only) on
 * failure. `index` is the token's position in the workload, or -1 for a token from outside it.
 */
export type VerifyFn = (token: string, index: number) => unknown;

export interface Contender {
  readonly id: string;
  readonly label: string;
  /** Keeps verified tokens: primed with one full pass over the distinct pool before timing (steady state). */
  readonly cached?: boolean;
  /** Why this contender cannot verify `alg` (a documented limitation of the library), or undefined. */
  unsupported?(alg: Alg): string | undefined;
  /** Builds the verifier (keys imported, remote JWKS warmed) or says why it is pending. */
  create(context: VerifyContext): Promise<VerifyFn | { pending: string }>;
}

export const ISSUER_AUDIENCE_NOTE = 'every contender checks signature, alg allow-list, iss, aud and exp';
