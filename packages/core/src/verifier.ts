/** The single-issuer verifier: built once from validated options, called per request. */
import { checkClaims } from './claims.js';
import { LatchkeyError } from './errors.js';
import { eventSink, type EventSink } from './events.js';
import { INTERNALS, isPromise, verifyObserved, type VerifierInternals } from './internal/verifier-internals.js';
import { checkHeader, type CheckedHeader } from './header-policy.js';
import type { KeyLookup } from './key-source.js';
import type { PreparedKey } from './keys.js';
import { deepFreeze } from './deep-freeze.js';
import { resolveOptions, type ResolvedOptions, type VerifierOptions } from './options.js';
import { enforceRules, type Rule } from './rules.js';
import { decodeJsonObject, decodeSegment, payloadSegmentOf, signingInputOf, splitCompact, type CompactParts } from './token.js';
import { VerifiedTokenCache } from './token-cache.js';
import type { JwtHeader, JwtPayload, VerifiedToken } from './types.js';

/** A verifier, built once at start-up and called per request. */
export interface Verifier<Payload extends JwtPayload = JwtPayload> {
  /**
   * Verifies a compact JWS: size, syntax, header policy, key, signature, claims, rules, revocation.
   * Resolves to `{ payload, header, token }` or rejects with a {@link LatchkeyError}.
   */
  verify(token: string): Promise<VerifiedToken<Payload>>;
  /** Fetches or prepares the keys now (call at start-up); rejects when they cannot be had. */
  warm(): Promise<void>;
}

// Distinct protected headers seen in verified tokens. Real deployments have a handful (one per key).
const MAX_CACHED_HEADERS = 64;

interface CheckedLookup extends CheckedHeader {
  /** The header's exact base64url text. */
  readonly segment: string;
  readonly lookup: KeyLookup;
}

/**
 * @internal The single-issuer verifier. Not exported from the package: users get the frozen object of
 * {@link createVerifier}; the multi-issuer verifier and the adapters use {@link VerifierInternals}.
 */
export class JwtVerifier<Payload extends JwtPayload> implements VerifierInternals<Payload> {
  readonly events: EventSink;
  private readonly options: ResolvedOptions;
  private readonly rules: ReadonlyArray<Rule<Payload>>;
  private readonly isRevoked: ((payload: Payload, header: JwtHeader) => boolean | Promise<boolean>) | undefined;
  private readonly cache: VerifiedTokenCache | undefined;
  // Protected headers that already passed the policy, by their exact base64url text. Only headers of
  // tokens that verified are added, so an attacker cannot churn it with forged headers.
  private readonly headers = new Map<string, CheckedLookup>();
  // The header of the last verified token: most deployments sign with one key, so most tokens share it,
  // and comparing it in place spares slicing and hashing the header text.
  private lastHeader: CheckedLookup | undefined;

  constructor(options: VerifierOptions<Payload>, events?: EventSink, known?: readonly string[], where?: string) {
    this.options = resolveOptions(options as VerifierOptions<never>, known, where);
    this.events = events ?? eventSink(options.onEvent);
    this.rules = options.rules ?? [];
    this.isRevoked = options.isRevoked;
    const cache = this.options.tokenCache;
    this.cache = cache === undefined ? undefined : new VerifiedTokenCache(cache.maxEntries, cache.maxTtlSeconds * 1000, cache.maxBytes);
  }

  warm(): Promise<void> {
    return this.options.keys.warm(this.events);
  }

  // Not async: when keys are at hand every step is synchronous and the result is returned as is; an
  // async function would add a frame and a microtask hop per await.
  check(token: string): VerifiedToken<Payload> | Promise<VerifiedToken<Payload>> {
    // The size bound first: nothing, not even the cache's key, reads further into an oversized token.
    if (this.cache !== undefined && typeof token === 'string' && token.length <= this.options.maxTokenBytes) {
      const hit = this.cache.get(token, Date.now()) as VerifiedToken<Payload> | undefined;
      if (hit !== undefined) return this.afterChecks(hit);
    }
    const parts = splitCompact(token, this.options.maxTokenBytes);
    return this.verifySplit(token, parts, decodeJsonObject(payloadSegmentOf(parts), 'payload') as Payload, true);
  }

  /**
   * @internal The one entry on a token already split, its payload decoded (the multi-issuer verifier reads
   * `iss` from it first): cache, then header, key, signature, claims, rules, revocation.
   */
  verifySplit(token: string, parts: CompactParts, payload: Payload, cacheChecked = false): VerifiedToken<Payload> | Promise<VerifiedToken<Payload>> {
    if (!cacheChecked && this.cache !== undefined) {
      const hit = this.cache.get(token, Date.now()) as VerifiedToken<Payload> | undefined;
      if (hit !== undefined) return this.afterChecks(hit);
    }
    let checked = this.knownHeader(parts);
    const headerKnown = checked !== undefined;
    if (checked === undefined) {
      const segment = token.slice(0, parts.headerEnd);
      const header = checkHeader(decodeJsonObject(segment, 'header'), this.options.header);
      checked = { ...header, segment, lookup: { kid: header.kid, alg: header.spec.alg } };
    }
    const found = this.options.keys.getKeys(checked.lookup, this.events);
    if (isPromise(found)) {
      const known = checked;
      return found.then((candidates) => this.verifyWithKeys(token, parts, payload, known, headerKnown, candidates));
    }
    return this.verifyWithKeys(token, parts, payload, checked, headerKnown, found);
  }

  private verifyWithKeys(
    token: string,
    parts: CompactParts,
    payload: Payload,
    checked: CheckedLookup,
    headerKnown: boolean,
    candidates: readonly PreparedKey[],
  ): VerifiedToken<Payload> | Promise<VerifiedToken<Payload>> {
    const key = verifySignature(checked, candidates, parts, this.options.maxCandidateKeys);
    const nowMs = Date.now();
    // Read now, while these are the keys at hand: a cached entry must not outlive the set that vouched for it.
    const trustedUntilMs = this.cache === undefined ? 0 : (this.options.keys.trustedUntilMs?.() ?? Number.POSITIVE_INFINITY);
    checkClaims(payload, this.options.claims, nowMs / 1000);
    if (!headerKnown) this.rememberHeader(checked);
    this.lastHeader = checked;
    const result: VerifiedToken<Payload> = { payload, header: checked.header, token };
    const checkedResult = this.afterChecks(result);
    // A full cache stores a token only on its second verification (token-cache.ts): a flood of distinct
    // tokens is neither frozen nor kept.
    if (this.cache === undefined || !this.cache.admits(token)) return checkedResult;
    if (!isPromise(checkedResult)) return this.store(result, key, nowMs, trustedUntilMs);
    return checkedResult.then(() => this.store(result, key, nowMs, trustedUntilMs));
  }

  private store(result: VerifiedToken<Payload>, key: PreparedKey, nowMs: number, trustedUntilMs: number): VerifiedToken<Payload> {
    // One cached result serves every later request with this token: nothing in it may change.
    deepFreeze(result.payload);
    Object.freeze(result);
    this.cache!.set(result as VerifiedToken<never>, key, nowMs, this.options.claims.maxTokenAgeSeconds, trustedUntilMs);
    return result;
  }

  /** Rules and revocation: run on every request, cache hit or not. */
  private afterChecks(result: VerifiedToken<Payload>): VerifiedToken<Payload> | Promise<VerifiedToken<Payload>> {
    const rules = this.rules.length === 0 ? undefined : enforceRules(this.rules, result, 'verifier');
    if (rules === undefined && this.isRevoked === undefined) return result;
    return (async () => {
      await rules;
      if (this.isRevoked !== undefined && (await this.isRevoked(result.payload, result.header)) === true) {
        throw new LatchkeyError('ERR_JWT_REVOKED', 'the token has been revoked');
      }
      return result;
    })();
  }

  private knownHeader(parts: CompactParts): CheckedLookup | undefined {
    const last = this.lastHeader;
    if (last === undefined) return undefined;
    // One slice, compared in place: cheaper than startsWith, and reused for the map lookup.
    const segment = parts.token.slice(0, parts.headerEnd);
    if (segment === last.segment) return last;
    return this.headers.size === 0 ? undefined : this.headers.get(segment);
  }

  private rememberHeader(checked: CheckedLookup): void {
    if (this.headers.size >= MAX_CACHED_HEADERS) this.headers.clear();
    this.headers.set(checked.segment, checked);
  }
}

/**
 * Tries the candidate keys that may verify this algorithm, at most `maxTried` of them (so a kid-less token
 * cannot make one request cost a whole key set's worth of signature checks); the key set lists exact
 * matches first. Returns the key whose signature matched.
 */
function verifySignature(checked: CheckedLookup, candidates: readonly PreparedKey[], parts: CompactParts, maxTried: number): PreparedKey {
  const { spec } = checked;
  const signature = decodeSegment(parts.token.slice(parts.payloadEnd + 1), 'signature');
  // As bytes, for node:crypto's verify and HMAC's update() alike (either would otherwise turn a string into
  // bytes on every call): the split's ASCII check has already copied them, so this is a view.
  const data = signingInputOf(parts);
  let tried = 0;
  for (let index = 0; index < candidates.length && tried < maxTried; index++) {
    const key = candidates[index]!;
    if (!key.algorithms.has(spec.alg)) continue;
    tried++;
    let valid = false;
    try {
      valid = spec.verify(key.keyObject, data, signature);
    } catch {
      // OpenSSL refuses some malformed signatures by throwing instead of returning false.
      valid = false;
    }
    if (valid) return key;
  }
  if (tried === 0) throw new LatchkeyError('ERR_JWKS_NO_MATCHING_KEY', "no configured key can verify the token's algorithm");
  throw new LatchkeyError('ERR_JWS_SIGNATURE_INVALID', 'the token signature is invalid');
}

/**
 * Builds a verifier. Options are validated here, once: a misconfiguration throws a `TypeError` that names
 * the option, at start-up, never per request.
 *
 * @example
 * const verifier = createVerifier({
 *   keys: oidcDiscovery('https://idp.example.com/'),
 *   algorithms: ['RS256'],
 *   issuer: 'https://idp.example.com/',
 *   audience: 'https://api.example.com',
 * });
 * const { payload } = await verifier.verify(token);
 */
export function createVerifier<Payload extends JwtPayload = JwtPayload>(options: VerifierOptions<Payload>): Verifier<Payload> {
  return publicVerifier(new JwtVerifier<Payload>(options));
}

/** The frozen object users hold: `verify` and `warm`, with the internals behind a symbol. */
export function publicVerifier<Payload extends JwtPayload>(internals: VerifierInternals<Payload> & { warm(): Promise<void> }): Verifier<Payload> {
  return Object.freeze({
    verify: (token: string) => verifyObserved(internals, token),
    warm: () => internals.warm(),
    [INTERNALS]: internals,
  });
}
