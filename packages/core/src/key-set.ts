/** A prepared set of keys, indexed by kid and algorithm for lookups that allocate nothing. */
import type { JwsAlgorithm } from './algorithms.js';
import type { KeyLookup } from './key-source.js';
import type { PreparedKey } from './keys.js';

const NONE: readonly PreparedKey[] = Object.freeze([]);

/**
 * An immutable, indexed set of prepared keys. Lookups allocate nothing: each `kid` maps to a ready
 * one-element array, and kid-less candidates are computed once per algorithm.
 */
export class KeySet {
  readonly keys: readonly PreparedKey[];
  private readonly byKid = new Map<string, readonly PreparedKey[]>();
  private readonly byAlg = new Map<JwsAlgorithm, readonly PreparedKey[]>();
  private readonly unnamedByAlg = new Map<JwsAlgorithm, readonly PreparedKey[]>();
  private readonly unnamed: readonly PreparedKey[];

  constructor(keys: readonly PreparedKey[]) {
    this.keys = Object.freeze([...keys]);
    this.unnamed = Object.freeze(this.keys.filter((key) => key.kid === undefined));
    for (const key of this.keys) {
      if (key.kid === undefined) continue;
      const existing = this.byKid.get(key.kid);
      // Two keys with one kid (e.g. the same RSA key published for RS256 and PS256): keep both as
      // candidates; the verifier skips those that cannot verify the token's alg without counting them.
      this.byKid.set(key.kid, Object.freeze(existing === undefined ? [key] : [...existing, key]));
    }
  }

  get size(): number {
    return this.keys.length;
  }

  has(kid: string): boolean {
    return this.byKid.has(kid);
  }

  /**
   * Candidates for a token. With a `kid`: the keys with that id, or else the keys configured without an id
   * (a key without `kid` stands for any). Without a `kid`: every key that can verify `alg`.
   */
  candidates(lookup: KeyLookup): readonly PreparedKey[] {
    const named = this.namedCandidates(lookup);
    return named.length > 0 ? named : this.unnamedFallback(lookup);
  }

  /**
   * Candidates that match the token exactly: the keys with its `kid`, or, for a token without one, every key
   * that can verify `alg`. A remote set calls a token whose `kid` it lacks a miss (the provider may have
   * just published the key) even when a key without an id could stand in for it.
   */
  namedCandidates(lookup: KeyLookup): readonly PreparedKey[] {
    if (lookup.kid !== undefined) return this.byKid.get(lookup.kid) ?? NONE;
    return this.forAlg(lookup.alg, this.byAlg, this.keys);
  }

  /** For a token whose `kid` no key has: the keys without an id that can verify `alg` (none for a kid-less token). */
  unnamedFallback(lookup: KeyLookup): readonly PreparedKey[] {
    if (lookup.kid === undefined || this.unnamed.length === 0) return NONE;
    return this.forAlg(lookup.alg, this.unnamedByAlg, this.unnamed);
  }

  /**
   * The keys that can verify `alg`, computed once per algorithm. Keys bound to `alg` alone (a JWK that
   * declares it) come first, then keys that merely could verify it (an RSA key without `alg`), each group
   * in set order: the verifier tries only the first few, so the likeliest signer goes first.
   */
  private forAlg(alg: JwsAlgorithm, cache: Map<JwsAlgorithm, readonly PreparedKey[]>, from: readonly PreparedKey[]): readonly PreparedKey[] {
    let list = cache.get(alg);
    if (list === undefined) {
      const able = from.filter((key) => key.algorithms.has(alg));
      list = Object.freeze([...able.filter((key) => key.algorithms.size === 1), ...able.filter((key) => key.algorithms.size > 1)]);
      cache.set(alg, list);
    }
    return list;
  }

  /** Marks keys that are not in `next` as retired, so verified-token cache entries made with them die. */
  retireMissingFrom(next: KeySet): void {
    const kept = new Set(next.keys.map(fingerprintOf));
    for (const key of this.keys) {
      if (!kept.has(fingerprintOf(key))) key.retired = true;
    }
  }
}

const fingerprints = new WeakMap<PreparedKey, string>();

/** A stable identity for a key's material (kid + exported public key), used to carry keys across refreshes. */
export function fingerprintOf(key: PreparedKey): string {
  let value = fingerprints.get(key);
  if (value === undefined) {
    const material = key.keyObject.type === 'secret' ? key.keyObject.export().toString('base64') : JSON.stringify(key.keyObject.export({ format: 'jwk' }));
    value = `${key.kid ?? ''}\u0000${material}\u0000${[...key.algorithms].sort().join(',')}`;
    fingerprints.set(key, value);
  }
  return value;
}
