/** The remote key source: a cached JWK Set with single-flight refresh, cooldown and stale-if-error. */
import { LatchkeyError, quoted } from '../errors.js';
import type { EventSink } from '../events.js';
import type { KeyLookup, KeySource } from '../key-source.js';
import type { KeySet } from '../key-set.js';
import type { PreparedKey } from '../keys.js';
import { freshnessMs } from './cache-control.js';
import { fetchJson, RemoteDocumentError, type CacheHeaders } from './fetch-json.js';
import { loadKeySet, type LoadedKeySet } from './load-key-set.js';
import type { ResolvedJwksOptions } from './options.js';
import { displayable } from '../displayable.js';

/** Where a JWKS lives: a configured URL, or one that discovery finds within the refresh's deadline. */
export interface JwksLocator {
  /** The JWKS URL. Shares `signal` (the refresh's one deadline) with the JWKS fetch that follows. */
  locate(signal: AbortSignal, events: EventSink): URL | Promise<URL>;
  /** A refresh failed: locate afresh on the next attempt. */
  forget(): void;
}

interface FetchedKeySet {
  readonly loaded: LoadedKeySet;
  readonly headers: CacheHeaders;
  readonly url: string;
}

/** Once this fraction of the freshness has passed, the next request refreshes in the background. */
const REFRESH_AHEAD_FRACTION = 0.75;
/**
 * With no usable key set, failed fetches are retried after a short back-off (doubling from the first
 * value to the cap) rather than after `cooldownMs`: a blip at boot must not lock every user out for a
 * whole cooldown, and a provider that stays down still sees at most one fetch in flight and one a second.
 */
const COLD_RETRY_FIRST_MS = 250;
const COLD_RETRY_MAX_MS = 1_000;

const NOT_AVAILABLE = 'the keys to verify the token are unavailable';

/**
 * A cached remote key set. Timeline of one set, fetched at `t` with freshness `f` (Cache-Control within
 * bounds):
 * - before `t + 3/4·f`: served synchronously, nothing else happens (the hot path);
 * - until `t + f`: still served synchronously; a request also starts a background refresh;
 * - after `t + f`: a request waits for the refresh (within the time limit) and gets the new set, or the
 *   old one if the refresh fails;
 * - while refreshes fail: the old set is served synchronously until `t + f + staleIfErrorMs`, with
 *   background retries at most once per `cooldownMs`; past that, `ERR_JWKS_UNAVAILABLE`.
 *
 * Fetches are single-flight: at most one is in flight, and every caller that must wait shares it.
 * - A token whose `kid` the set lacks refetches at once, so a key published right after start-up is
 *   accepted on its first use. Only when such a refetch fails to find what it was made for does the
 *   cooldown start: within it, unknown `kid`s are refused at once, so a flood of random `kid`s costs the
 *   identity provider at most one fetch per `cooldownMs`.
 * - After a failed fetch, the next one waits `cooldownMs` while a stale set serves, or a short back-off
 *   (at most {@link COLD_RETRY_MAX_MS}) when no set can serve.
 *
 * Every timer reads `performance.now()`, a monotonic clock: a wall clock stepping backwards cannot stall
 * refreshes, retries or the cooldown.
 */
export class JwksKeySource implements KeySource {
  readonly symmetric = false;
  private set: KeySet | undefined;
  private byJwk: ReadonlyMap<string, PreparedKey> = new Map();
  // Monotonic milliseconds (performance.now()).
  private refreshAt = -Infinity;
  private freshUntil = -Infinity;
  private staleUntil = -Infinity;
  private retryAt = -Infinity;
  private missCooldownUntil = -Infinity;
  private failures = 0;
  private lastError: unknown;
  private lastUrl: string;
  private inflight: Promise<KeySet> | undefined;

  constructor(
    readonly description: string,
    private readonly options: ResolvedJwksOptions,
    private readonly locator: JwksLocator,
  ) {
    this.lastUrl = description;
  }

  getKeys(lookup: KeyLookup, events: EventSink): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    const now = performance.now();
    const set = this.set;
    if (set !== undefined && now < this.refreshAt) {
      const candidates = set.namedCandidates(lookup);
      return candidates.length > 0 ? candidates : this.miss(set, lookup, events, now);
    }
    return this.slowPath(lookup, events, now);
  }

  /**
   * The wall-clock time (epoch ms) at which the set served now stops being fresh. A verified-token cache
   * entry never outlives it: an uncached verifier would refetch then, and refuse a removed key.
   */
  trustedUntilMs(): number {
    return Date.now() + (this.freshUntil - performance.now());
  }

  /** Fetches now (or joins the fetch in flight). Rejects with the fetch's error, which names the URL and the reason. */
  async warm(events: EventSink): Promise<void> {
    await (this.inflight ?? this.refresh(events));
  }

  private slowPath(lookup: KeyLookup, events: EventSink, now: number): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    const set = this.set;
    if (set !== undefined) {
      if (now < this.freshUntil || (this.failures > 0 && now < this.staleUntil)) {
        if (this.mayFetch(now)) this.refreshInBackground(events);
        return this.serve(set, lookup, events, now);
      }
      if (now < this.staleUntil) {
        // Expired and no failure known yet: wait for fresh keys rather than trust a set the server
        // called stale, but fall back to it if the refresh fails.
        const pending = this.inflight ?? (this.mayFetch(now) ? this.refresh(events) : undefined);
        if (pending === undefined) return this.serve(set, lookup, events, now);
        return pending.then(
          (next) => found(next, lookup),
          () => found(set, lookup),
        );
      }
    }
    // No usable set: a cold start, or refreshes have failed past the grace period.
    const pending = this.inflight ?? (this.mayFetch(now) ? this.refresh(events) : undefined);
    if (pending === undefined)
      throw new LatchkeyError('ERR_JWKS_UNAVAILABLE', NOT_AVAILABLE, {
        cause: this.lastError,
        detail: `no usable key set from ${this.description}; refetch backing off`,
      });
    return pending.then(
      (next) => found(next, lookup),
      (error: unknown) => {
        throw new LatchkeyError('ERR_JWKS_UNAVAILABLE', NOT_AVAILABLE, { cause: error, detail: `no usable key set from ${this.description}` });
      },
    );
  }

  private serve(set: KeySet, lookup: KeyLookup, events: EventSink, now: number): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    const candidates = set.namedCandidates(lookup);
    return candidates.length > 0 ? candidates : this.miss(set, lookup, events, now);
  }

  /**
   * The set has no key for the token. The identity provider may have just published it, so fetch again
   * (or join the fetch in flight). A refetch that does not find what it was made for starts the cooldown,
   * within which such tokens are refused at once: random `kid`s must not turn into a request flood
   * (jwks-rsa and get-jwks fetch once per unknown `kid`).
   *
   * A set with keys published without an id lets them stand in for an unknown `kid`, but only once a
   * refetch (or the cooldown) has had its say: otherwise such a key would absorb a rotated-in key's
   * tokens, failing their signatures until the set expired instead of fetching the new key.
   */
  private miss(set: KeySet, lookup: KeyLookup, events: EventSink, now: number): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    const inflight = this.inflight;
    const refetch = inflight === undefined && now >= this.missCooldownUntil && now >= this.retryAt;
    if (lookup.kid !== undefined && events.active) events.emit({ type: 'unknown-kid', url: this.lastUrl, kid: displayable(lookup.kid), refetched: refetch });
    const fallback = set.unnamedFallback(lookup);
    if (refetch) {
      return this.refresh(events).then(
        (next) => {
          // Still no key by that id: stand-ins (if any) serve it, but the cooldown bounds the refetches.
          if (next.namedCandidates(lookup).length === 0) this.startMissCooldown();
          return found(next, lookup);
        },
        () => {
          this.startMissCooldown();
          return orRefuse(fallback, lookup);
        },
      );
    }
    if (inflight === undefined) return orRefuse(fallback, lookup);
    return inflight.then(
      (next) => found(next, lookup),
      () => orRefuse(fallback, lookup),
    );
  }

  private startMissCooldown(): void {
    this.missCooldownUntil = performance.now() + this.options.cooldownMs;
  }

  private mayFetch(now: number): boolean {
    return this.inflight === undefined && now >= this.retryAt;
  }

  private refreshInBackground(events: EventSink): void {
    // The failure is reported through `events`; nobody awaits a background refresh.
    this.refresh(events).catch(() => {});
  }

  private refresh(events: EventSink): Promise<KeySet> {
    const pending = this.runRefresh(events);
    this.inflight = pending;
    return pending;
  }

  private async runRefresh(events: EventSink): Promise<KeySet> {
    const started = performance.now();
    let fetched: FetchedKeySet;
    try {
      fetched = await this.fetchKeySet(events);
    } catch (error) {
      this.failed(error, events, started);
      throw error;
    }
    this.inflight = undefined;
    const { loaded, headers, url } = fetched;
    const fetchedAt = performance.now();
    const maxAgeMs = freshnessMs(headers, this.boundsMs, Date.now());
    const previous = this.set;
    this.set = loaded.set;
    this.byJwk = loaded.byJwk;
    this.refreshAt = fetchedAt + maxAgeMs * REFRESH_AHEAD_FRACTION;
    this.freshUntil = fetchedAt + maxAgeMs;
    this.staleUntil = this.freshUntil + this.options.staleIfErrorMs;
    this.failures = 0;
    this.retryAt = -Infinity;
    this.lastError = undefined;
    this.lastUrl = url;
    // Keys gone from the set die, and so do the verified tokens cached against them.
    previous?.retireMissingFrom(loaded.set);
    if (events.active) {
      const durationMs = performance.now() - started;
      events.emit({ type: 'keys-fetched', url, keyCount: loaded.set.size, skippedCount: loaded.skippedCount, durationMs, maxAgeMs });
    }
    return loaded.set;
  }

  private failed(error: unknown, events: EventSink, started: number): void {
    const now = performance.now();
    this.inflight = undefined;
    this.failures += 1;
    this.lastError = error;
    const staleKeysServed = this.set !== undefined && now < this.staleUntil;
    // A stale set keeps serving: retry once per cooldown. Nothing serves: retry soon, backing off.
    const backOffMs = staleKeysServed
      ? this.options.cooldownMs
      : Math.min(this.options.cooldownMs, COLD_RETRY_MAX_MS, COLD_RETRY_FIRST_MS * 2 ** (this.failures - 1));
    this.retryAt = now + backOffMs;
    // The JWKS may have moved (a discovered jwks_uri gone stale): the next attempt locates it afresh.
    this.locator.forget();
    if (events.active) {
      events.emit({
        type: 'keys-fetch-failed',
        url: error instanceof RemoteDocumentError ? error.url : this.lastUrl,
        error: error instanceof Error ? error : new Error(String(error)),
        durationMs: now - started,
        staleKeysServed,
      });
    }
  }

  private async fetchKeySet(events: EventSink): Promise<FetchedKeySet> {
    const { timeoutMs, maxResponseBytes, headers, fetch, maxKeys } = this.options;
    // One deadline for the whole refresh, discovery included: a waiting request never waits longer.
    const signal = AbortSignal.timeout(timeoutMs);
    const url = await this.locator.locate(signal, events);
    const response = await fetchJson(url, { signal, maxResponseBytes, headers, fetch });
    const loaded = await loadKeySet(response.body, url.href, this.byJwk, maxKeys, events);
    return { loaded, headers: response.headers, url: url.href };
  }

  private get boundsMs() {
    const { cacheMaxAgeMs, minCacheAgeMs, maxCacheAgeMs } = this.options;
    return { defaultMs: cacheMaxAgeMs, minMs: minCacheAgeMs, maxMs: maxCacheAgeMs };
  }
}

function found(set: KeySet, lookup: KeyLookup): readonly PreparedKey[] {
  return orRefuse(set.candidates(lookup), lookup);
}

function orRefuse(candidates: readonly PreparedKey[], lookup: KeyLookup): readonly PreparedKey[] {
  if (candidates.length === 0) throw noMatchingKey(lookup);
  return candidates;
}

function noMatchingKey(lookup: KeyLookup): LatchkeyError {
  return new LatchkeyError(
    'ERR_JWKS_NO_MATCHING_KEY',
    lookup.kid === undefined ? "no key of the identity provider matches the token's algorithm" : 'no key of the identity provider matches the token\'s "kid"',
    {
      detail:
        lookup.kid === undefined
          ? `no key for ${quoted(lookup.alg)} in the key set`
          : `kid ${quoted(lookup.kid)} (${quoted(lookup.alg)}) is not in the key set`,
    },
  );
}
