/** The one interface every key source implements (remote JWKS, discovery, static keys, HMAC secrets). */
import type { JwsAlgorithm } from './algorithms.js';
import type { EventSink } from './events.js';
import type { PreparedKey } from './keys.js';

/** What the verifier asks a key source for: the token's (still unverified) `kid` and `alg`. */
export interface KeyLookup {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
}

/**
 * One interface for every place keys come from: a remote JWKS, OIDC discovery, static keys, HMAC secrets.
 *
 * Contract:
 * - `getKeys` returns the candidate keys for a token: for a `kid`, the key with that id (or none); without
 *   a `kid`, the keys whose `algorithms` include `alg`. It returns synchronously whenever the keys are at
 *   hand, and a promise only when it must fetch, so the hot path stays synchronous.
 * - It never throws or rejects for a client's input except with a `LatchkeyError`
 *   (`ERR_JWKS_NO_MATCHING_KEY`, `ERR_JWKS_UNAVAILABLE`), and a returned promise settles within the
 *   source's time limit.
 * - Keys come only from configuration and from URLs in configuration: nothing in a token chooses where
 *   keys are fetched from.
 */
export interface KeySource {
  getKeys(lookup: KeyLookup, events: EventSink): readonly PreparedKey[] | Promise<readonly PreparedKey[]>;
  /** Fetches (or prepares) the keys now, e.g. at start-up. Rejects when they cannot be had. */
  warm(events: EventSink): Promise<void>;
  /** A short description for messages and events (a URL or "static keys"); never a secret. */
  readonly description: string;
  /** True only for HMAC secrets; asymmetric sources never yield a key that HMAC could use. */
  readonly symmetric: boolean;
  /**
   * Until when (epoch ms on the wall clock) the keys it serves now are fresh, for sources whose keys
   * expire (a remote JWKS: the end of its `max-age`, when an uncached verifier would fetch again and
   * learn of a removed key). The verifier reads it when a token's keys arrive, and the verified-token
   * cache never keeps that token's entry past it, so a cache hit cannot outlive the key set that vouched
   * for it. Absent: the keys do not expire.
   */
  trustedUntilMs?(): number;
}

/** Type guard for objects implementing {@link KeySource}. */
export function isKeySource(value: unknown): value is KeySource {
  return typeof value === 'object' && value !== null && typeof (value as KeySource).getKeys === 'function' && typeof (value as KeySource).warm === 'function';
}
