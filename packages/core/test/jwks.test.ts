import { advance, fakeClocks, realNow } from './helpers/clock.js';
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JwsAlgorithm } from '../src/algorithms.js';
import type { KeySource } from '../src/key-source.js';
import type { PreparedKey } from '../src/keys.js';
import { RemoteDocumentError, type FetchLike } from '../src/jwks/fetch-json.js';
import { DEFAULT_JWKS_CACHE_MAX_AGE_MS, DEFAULT_JWKS_COOLDOWN_MS, DEFAULT_JWKS_MIN_CACHE_AGE_MS, type RemoteJwksOptions } from '../src/jwks/options.js';
import { remoteJwks } from '../src/jwks/remote-jwks.js';
import { oidcDiscovery } from '../src/jwks/discovery.js';
import { recordEvents } from './helpers/events.js';
import { publicJwk, startServer, type ServeMode, type TestServer } from './helpers/jwks-server.js';

const COOLDOWN = 1_000;
// Generous by default, so a loaded machine does not fail tests about something else; tests about the
// time limit set a short one.
const TIMEOUT = 2_000;
const SHORT_TIMEOUT = 250;

let server: TestServer;
let keyA: JWK;
let keyB: JWK;
let keyC: JWK;

beforeAll(async () => {
  [keyA, keyB, keyC] = await Promise.all([publicJwk('a'), publicJwk('b'), publicJwk('c')]);
});

beforeEach(async () => {
  fakeClocks();
  server = await startServer();
  server.route('/jwks', { body: { keys: [keyA] } });
});

afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

const lookup = (kid: string | undefined, alg: JwsAlgorithm = 'ES256') => ({ kid, alg });
const source = (options: RemoteJwksOptions = {}): KeySource => remoteJwks(server.url('/jwks'), { cooldownMs: COOLDOWN, timeoutMs: TIMEOUT, ...options });

type Outcome =
  | { sync: true; keys: readonly PreparedKey[] }
  | { sync: true; error: unknown }
  | { sync: false; keys: readonly PreparedKey[] }
  | { sync: false; error: unknown };

/** Calls getKeys and records whether it answered synchronously, and with what. */
async function outcome(keys: KeySource, kid: string | undefined, events = recordEvents(), alg: JwsAlgorithm = 'ES256'): Promise<Outcome> {
  let result: ReturnType<KeySource['getKeys']>;
  try {
    result = keys.getKeys(lookup(kid, alg), events);
  } catch (error) {
    return { sync: true, error };
  }
  if (!(result instanceof Promise)) return { sync: true, keys: result };
  try {
    return { sync: false, keys: await result };
  } catch (error) {
    return { sync: false, error };
  }
}

function kids(result: Outcome): (string | undefined)[] {
  if (!('keys' in result)) throw new Error(`expected keys, got ${String((result as { error: unknown }).error)}`);
  return result.keys.map((key) => key.kid);
}

describe('remoteJwks: the hot path', () => {
  it('answers synchronously with the same array, reading the monotonic clock once', async () => {
    const keys = source();
    await keys.warm(recordEvents());
    const now = vi.spyOn(performance, 'now');
    const first = keys.getKeys(lookup('a'), recordEvents());
    expect(now).toHaveBeenCalledTimes(1);
    expect(Array.isArray(first)).toBe(true);
    expect(keys.getKeys(lookup('a'), recordEvents())).toBe(first);
    expect((first as PreparedKey[])[0]!.kid).toBe('a');
    expect(server.count('/jwks')).toBe(1);
  });

  it('without a kid, offers every key that can verify the algorithm', async () => {
    server.route('/jwks', { body: { keys: [keyA, keyB] } });
    const keys = source();
    await keys.warm(recordEvents());
    expect(kids(await outcome(keys, undefined))).toEqual(['a', 'b']);
    // No RS256 key: one refetch (the provider may have just published one), then the cooldown.
    const rsa = await outcome(keys, undefined, recordEvents(), 'RS256');
    expect(rsa).toMatchObject({ sync: false, error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
    expect(await outcome(keys, undefined, recordEvents(), 'RS256')).toMatchObject({ sync: true, error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
  });
});

describe('remoteJwks: single flight', () => {
  it('makes one fetch for a cold-start burst of 200 concurrent requests', async () => {
    const keys = source();
    const events = recordEvents();
    const results = Array.from({ length: 200 }, () => keys.getKeys(lookup('a'), events));
    expect(results.every((r) => r instanceof Promise)).toBe(true);
    const settled = await Promise.all(results);
    expect(settled.every((list) => list[0]!.kid === 'a')).toBe(true);
    expect(server.count('/jwks')).toBe(1);
    expect(events.of('keys-fetched')).toHaveLength(1);
  });

  it('lets unknown kids join the fetch in flight instead of starting their own', async () => {
    const keys = source();
    const known = Array.from({ length: 50 }, () => outcome(keys, 'a'));
    const unknown = Array.from({ length: 50 }, () => outcome(keys, randomUUID()));
    const [good, bad] = await Promise.all([Promise.all(known), Promise.all(unknown)]);
    expect(good.every((r) => !r.sync && 'keys' in r)).toBe(true);
    expect(bad.every((r) => !r.sync && 'error' in r && (r.error as { code: string }).code === 'ERR_JWKS_NO_MATCHING_KEY')).toBe(true);
    expect(server.count('/jwks')).toBe(1);
  });

  it('shares the fetch between warm() and requests', async () => {
    const keys = source();
    await Promise.all([keys.warm(recordEvents()), keys.warm(recordEvents()), outcome(keys, 'a')]);
    expect(server.count('/jwks')).toBe(1);
  });
});

describe('remoteJwks: unknown kid', () => {
  it('refetches at most once per cooldown window for 500 random kids, known kids unaffected', async () => {
    const keys = source();
    const events = recordEvents();
    await keys.warm(events);
    for (let window = 1; window <= 3; window += 1) {
      let syncRejections = 0;
      for (let i = 0; i < 500; i += 1) {
        const result = await outcome(keys, randomUUID(), events);
        expect(result).toMatchObject({ error: { code: 'ERR_JWKS_NO_MATCHING_KEY', status: 401 } });
        if (result.sync) syncRejections += 1;
        // A valid token's kid stays on the synchronous hot path throughout the flood.
        if (i % 50 === 0) expect(kids(await outcome(keys, 'a', events))).toEqual(['a']);
        advance(COOLDOWN / 500);
      }
      // In each window the first kid refetched (and found nothing, which started the cooldown); the
      // other 499 were refused without waiting.
      expect(server.count('/jwks')).toBe(window + 1);
      expect(syncRejections).toBeGreaterThanOrEqual(498);
      advance(1);
    }
    const unknown = events.of('unknown-kid');
    expect(unknown.filter((e) => e.refetched)).toHaveLength(3);
    expect(unknown.length).toBe(1500);
  });

  it('accepts a key published right after warm-up on its first use', async () => {
    const keys = source();
    await keys.warm(recordEvents());
    server.route('/jwks', { body: { keys: [keyA, keyB] } });

    // No time has passed since the warm-up fetch: the cooldown counts from a failed refetch, not from it.
    const events = recordEvents();
    const result = await outcome(keys, 'b', events);
    expect(result.sync).toBe(false);
    expect(kids(result)).toEqual(['b']);
    expect(server.count('/jwks')).toBe(2);
    expect(events.of('unknown-kid')).toEqual([{ type: 'unknown-kid', url: server.url('/jwks'), kid: 'b', refetched: true }]);
    // And it is now on the hot path.
    expect((await outcome(keys, 'b')).sync).toBe(true);
  });

  it('starts the cooldown when a refetch does not find its kid, and accepts a newly published key after it', async () => {
    const keys = source();
    await keys.warm(recordEvents());
    expect(await outcome(keys, 'nope')).toMatchObject({ sync: false, error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
    expect(server.count('/jwks')).toBe(2);

    server.route('/jwks', { body: { keys: [keyA, keyB] } });
    advance(COOLDOWN - 1);
    expect(await outcome(keys, 'b')).toMatchObject({ sync: true, error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
    expect(server.count('/jwks')).toBe(2);

    advance(1);
    const result = await outcome(keys, 'b');
    expect(result.sync).toBe(false);
    expect(kids(result)).toEqual(['b']);
    expect(server.count('/jwks')).toBe(3);
  });

  it('refetches for a kid the set lacks even when a key published without an id could stand in for it', async () => {
    const { kid: _dropped, ...unnamed } = keyA;
    server.route('/jwks', { body: { keys: [unnamed] } });
    const keys = source();
    await keys.warm(recordEvents());
    // The provider rotates in a named key: its first token fetches it instead of trying the stand-in.
    server.route('/jwks', { body: { keys: [unnamed, keyB] } });
    const rotated = await outcome(keys, 'b');
    expect(rotated.sync).toBe(false);
    expect(kids(rotated)).toEqual(['b']);
    expect(server.count('/jwks')).toBe(2);

    // A kid nobody publishes: one refetch, then the stand-in serves it; the cooldown bounds the refetches.
    const first = await outcome(keys, 'x');
    expect(first.sync).toBe(false);
    expect(kids(first)).toEqual([undefined]);
    expect(server.count('/jwks')).toBe(3);
    for (let i = 0; i < 20; i += 1) {
      const next = await outcome(keys, `x${i}`);
      expect(next.sync).toBe(true);
      expect(kids(next)).toEqual([undefined]);
    }
    expect(server.count('/jwks')).toBe(3);
    advance(COOLDOWN);
    expect((await outcome(keys, 'x')).sync).toBe(false);
    expect(server.count('/jwks')).toBe(4);
  });

  it('keeps counting the cooldown when the wall clock steps backwards', async () => {
    const keys = source();
    await keys.warm(recordEvents());
    await outcome(keys, 'nope');
    expect(server.count('/jwks')).toBe(2);
    server.route('/jwks', { body: { keys: [keyA, keyB] } });
    // The wall clock goes back an hour (NTP, a VM restored); the monotonic clock goes on.
    vi.setSystemTime(Date.now() - 3_600_000);
    advance(COOLDOWN);
    expect(kids(await outcome(keys, 'b'))).toEqual(['b']);
    expect(server.count('/jwks')).toBe(3);
  });

  it('uses a default cooldown of at most 10 s', () => {
    expect(DEFAULT_JWKS_COOLDOWN_MS).toBeLessThanOrEqual(10_000);
    expect(DEFAULT_JWKS_COOLDOWN_MS).toBeLessThan(DEFAULT_JWKS_MIN_CACHE_AGE_MS);
  });
});

describe('remoteJwks: freshness', () => {
  it('takes max-age within bounds, and the default without Cache-Control', async () => {
    const cases: [string | undefined, RemoteJwksOptions, number][] = [
      ['max-age=120', {}, 120_000],
      ['max-age=1', {}, DEFAULT_JWKS_MIN_CACHE_AGE_MS],
      ['no-store', { minCacheAgeMs: 5_000 }, 5_000],
      ['max-age=31536000', { maxCacheAgeMs: 3_600_000 }, 3_600_000],
      [undefined, {}, DEFAULT_JWKS_CACHE_MAX_AGE_MS],
      [undefined, { cacheMaxAgeMs: 45_000 }, 45_000],
    ];
    for (const [cacheControl, options, expected] of cases) {
      server.route('/jwks', { headers: cacheControl === undefined ? {} : { 'cache-control': cacheControl } });
      const events = recordEvents();
      await source(options).warm(events);
      expect(events.of('keys-fetched')[0]!.maxAgeMs, String(cacheControl)).toBe(expected);
    }
  });

  it('refreshes in the background once 3/4 of max-age has passed, serving the current keys synchronously', async () => {
    server.route('/jwks', { headers: { 'cache-control': 'max-age=120' } });
    const keys = source();
    const events = recordEvents();
    await keys.warm(events);

    advance(89_000);
    expect((await outcome(keys, 'a', events)).sync).toBe(true);
    expect(server.count('/jwks')).toBe(1);

    server.route('/jwks', { body: { keys: [keyA, keyB] } });
    advance(2_000);
    const during = await outcome(keys, 'a', events);
    expect(during.sync).toBe(true);
    expect(kids(during)).toEqual(['a']);
    // A kid the set lacks, while that refresh is in flight, waits for it rather than being refused.
    const newKid = await outcome(keys, 'b', events);
    expect(newKid.sync).toBe(false);
    expect(kids(newKid)).toEqual(['b']);
    expect(events.of('keys-fetched')).toHaveLength(2);
    expect(server.count('/jwks')).toBe(2);
    // The refreshed set is served, and the next refresh is 3/4 of max-age away again.
    expect(await outcome(keys, 'b', events)).toMatchObject({ sync: true });
    advance(89_000);
    await outcome(keys, 'a', events);
    expect(server.count('/jwks')).toBe(2);
  });

  it('waits for a refresh after expiry, and retires the keys that left the set', async () => {
    server.route('/jwks', { headers: { 'cache-control': 'max-age=60' } });
    const keys = source();
    await keys.warm(recordEvents());
    const [oldA] = (await outcome(keys, 'a').then((r) => ('keys' in r ? r.keys : []))) as PreparedKey[];

    server.route('/jwks', { body: { keys: [keyB] } });
    advance(61_000);
    const result = await outcome(keys, 'b');
    expect(result.sync).toBe(false);
    expect(kids(result)).toEqual(['b']);
    expect(oldA!.retired).toBe(true);
    expect(await outcome(keys, 'a')).toMatchObject({ error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
  });
});

describe('remoteJwks: when the identity provider fails', () => {
  it('keeps serving the last good set synchronously within staleIfErrorMs, rate-limiting retries', async () => {
    server.route('/jwks', { headers: { 'cache-control': 'max-age=60' } });
    const keys = source({ staleIfErrorMs: 3_600_000 });
    const events = recordEvents();
    await keys.warm(events);

    server.route('/jwks', { mode: '503' });
    advance(61_000);
    // The first request after expiry waits for the refresh, which fails: it gets the stale set.
    const first = await outcome(keys, 'a', events);
    expect(first.sync).toBe(false);
    expect(kids(first)).toEqual(['a']);
    const failed = events.of('keys-fetch-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ url: server.url('/jwks'), staleKeysServed: true });
    expect(failed[0]!.error).toMatchObject({ reason: 'status' });
    expect(failed[0]!.error.message).toContain('503');

    // Then every request is served at once, and retries are at most one per cooldown.
    for (let i = 0; i < 100; i += 1) expect((await outcome(keys, 'a', events)).sync).toBe(true);
    expect(server.count('/jwks')).toBe(2);
    advance(COOLDOWN);
    expect((await outcome(keys, 'a', events)).sync).toBe(true);
    await vi.waitFor(() => expect(events.of('keys-fetch-failed')).toHaveLength(2));
    expect(server.count('/jwks')).toBe(3);

    // Past the grace period the stale set is no longer used.
    advance(3_600_000);
    const late = await outcome(keys, 'a', events);
    expect(late).toMatchObject({ sync: false, error: { code: 'ERR_JWKS_UNAVAILABLE', status: 401 } });
    expect(events.of('keys-fetch-failed').at(-1)!.staleKeysServed).toBe(false);
    const again = await outcome(keys, 'a', events);
    expect(again).toMatchObject({ sync: true, error: { code: 'ERR_JWKS_UNAVAILABLE' } });
    expect(server.count('/jwks')).toBe(4);

    // Recovery: the next allowed attempt brings the keys back.
    server.route('/jwks', { mode: 'ok' });
    advance(COOLDOWN);
    expect(kids(await outcome(keys, 'a', events))).toEqual(['a']);
  });

  it('serves the current set when a background refresh fails', async () => {
    server.route('/jwks', { headers: { 'cache-control': 'max-age=100' } });
    const keys = source();
    const events = recordEvents();
    await keys.warm(events);
    server.route('/jwks', { mode: 'garbage' });
    advance(80_000);
    expect((await outcome(keys, 'a', events)).sync).toBe(true);
    await vi.waitFor(() => expect(events.of('keys-fetch-failed')).toHaveLength(1));
    expect(events.of('keys-fetch-failed')[0]!.staleKeysServed).toBe(true);
    expect((await outcome(keys, 'a', events)).sync).toBe(true);
    expect(server.count('/jwks')).toBe(2);
  });

  it('refuses tokens once the set expires when staleIfErrorMs is 0', async () => {
    server.route('/jwks', { headers: { 'cache-control': 'max-age=60' } });
    const keys = source({ staleIfErrorMs: 0 });
    await keys.warm(recordEvents());
    server.route('/jwks', { mode: '503' });
    advance(60_000);
    expect(await outcome(keys, 'a')).toMatchObject({ sync: false, error: { code: 'ERR_JWKS_UNAVAILABLE' } });
  });

  const modes: [ServeMode, string][] = [
    ['503', 'status'],
    ['hang', 'timeout'],
    ['slow', 'timeout'],
    ['garbage', 'not-json'],
    ['not-jwks', 'invalid-document'],
    ['huge', 'too-large'],
    ['huge-declared', 'too-large'],
    ['redirect', 'redirect'],
  ];
  it.each(modes)('fails a cold start within the time limit when the server is %s', async (mode, reason) => {
    server.route('/jwks', { mode, body: { keys: [keyA] }, redirectTo: server.url('/moved') });
    server.route('/moved', { body: { keys: [keyA] } });
    const timeoutMs = reason === 'timeout' ? SHORT_TIMEOUT : TIMEOUT;
    const keys = source({ maxResponseBytes: 16 * 1024, timeoutMs });
    const events = recordEvents();
    const started = realNow();
    const results = await Promise.all(Array.from({ length: 20 }, () => outcome(keys, 'a', events)));
    expect(realNow() - started).toBeLessThan(timeoutMs + 400);
    for (const result of results) expect(result).toMatchObject({ sync: false, error: { code: 'ERR_JWKS_UNAVAILABLE', status: 401 } });
    // What a client sees names neither the URL nor the library's internals; the event has the details.
    const error = (results[0] as { error: { message: string; headers: Record<string, string> } }).error;
    expect(error.message).not.toMatch(/127\.0\.0\.1|jwks|fetch|json/i);
    expect(error.headers['WWW-Authenticate']).not.toContain('127.0.0.1');
    const failed = events.of('keys-fetch-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toBeInstanceOf(RemoteDocumentError);
    expect((failed[0]!.error as RemoteDocumentError).reason).toBe(reason);
    expect(failed[0]!.error.message).toContain(server.url('/jwks'));
    expect(server.count('/jwks')).toBe(1);
    expect(server.count('/moved')).toBe(0);
    // Within the back-off, the next request is refused at once, without another fetch.
    expect(await outcome(keys, 'a', events)).toMatchObject({ sync: true, error: { code: 'ERR_JWKS_UNAVAILABLE' } });
    expect(server.count('/jwks')).toBe(1);
  });

  it('refreshes on time when the wall clock steps backwards', async () => {
    server.route('/jwks', { headers: { 'cache-control': 'max-age=60' } });
    const keys = source();
    await keys.warm(recordEvents());
    server.route('/jwks', { body: { keys: [keyA, keyB] } });
    vi.setSystemTime(Date.now() - 3_600_000);
    advance(61_000);
    const result = await outcome(keys, 'b');
    expect(kids(result)).toEqual(['b']);
    expect(server.count('/jwks')).toBe(2);
  });

  it('bounds the fetch rate of a provider that stays down under load, and recovers at once', async () => {
    server.route('/jwks', { mode: '503' });
    const keys = source({ cooldownMs: 10_000 });
    const events = recordEvents();
    // 10 s of load: 20 concurrent requests every 100 ms, 2,000 requests in all.
    for (let round = 0; round < 100; round += 1) {
      const results = await Promise.all(Array.from({ length: 20 }, () => outcome(keys, 'a', events)));
      for (const result of results) expect(result).toMatchObject({ error: { code: 'ERR_JWKS_UNAVAILABLE', status: 401 } });
      advance(100);
    }
    // Backing off 250, 500, 1000, 1000... ms: about one fetch a second, never a storm.
    expect(server.count('/jwks')).toBeGreaterThanOrEqual(5);
    expect(server.count('/jwks')).toBeLessThanOrEqual(12);
    expect(events.of('keys-fetch-failed')).toHaveLength(server.count('/jwks'));

    server.route('/jwks', { mode: 'ok' });
    advance(1_000);
    expect(kids(await outcome(keys, 'a', events))).toEqual(['a']);
  });

  it('lets valid tokens through within a second of a provider that was slow at start-up recovering', async () => {
    vi.useRealTimers();
    server.route('/jwks', { mode: 'hang' });
    const keys = source({ timeoutMs: SHORT_TIMEOUT, cooldownMs: 10_000 });
    const cold = await Promise.all(Array.from({ length: 20 }, () => outcome(keys, 'a')));
    for (const result of cold) expect(result).toMatchObject({ error: { code: 'ERR_JWKS_UNAVAILABLE' } });
    expect(server.count('/jwks')).toBe(1);

    server.route('/jwks', { mode: 'ok' });
    const recovered = realNow();
    let passedAfterMs: number | undefined;
    while (passedAfterMs === undefined && realNow() - recovered < 3_000) {
      const result = await outcome(keys, 'a');
      if ('keys' in result) passedAfterMs = realNow() - recovered;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(passedAfterMs).toBeDefined();
    expect(passedAfterMs!).toBeLessThan(1_000);
    expect(server.count('/jwks')).toBe(2);
  });
});

describe('remoteJwks: the keys of a set', () => {
  it('skips keys that cannot be used, with a key-skipped event each, and uses the rest', async () => {
    server.route('/jwks', {
      body: {
        keys: [
          keyA,
          { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' },
          { ...keyB, kid: 'private', d: 'AAAA' },
          { kty: 'EC', kid: 'broken', crv: 'P-256', x: 'AAAA', y: 'AAAA' },
          'not an object',
          { ...keyC, use: 'enc' },
        ],
      },
    });
    const keys = source();
    const events = recordEvents();
    await keys.warm(events);
    expect(events.of('keys-fetched')[0]).toMatchObject({ keyCount: 1, skippedCount: 5 });
    const skipped = events.of('key-skipped');
    expect(skipped.map((e) => e.kid).sort()).toEqual(['broken', 'c', 'hmac', 'private', undefined].sort());
    expect(skipped.every((e) => e.url === server.url('/jwks') && e.reason.length > 0)).toBe(true);
    expect(kids(await outcome(keys, 'a'))).toEqual(['a']);
    expect(await outcome(keys, 'hmac', events, 'HS256')).toMatchObject({ error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
  });

  it('treats a set without a usable key as a failure, keeping the previous set', async () => {
    server.route('/jwks', { body: { keys: [{ kty: 'oct', kid: 'x', k: 'AAAA' }] } });
    const error = await source()
      .warm(recordEvents())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteDocumentError);
    expect(error).toMatchObject({ reason: 'invalid-document' });

    server.route('/jwks', { body: { keys: [keyA] }, headers: { 'cache-control': 'max-age=60' } });
    const keys = source();
    await keys.warm(recordEvents());
    server.route('/jwks', { body: { keys: [] } });
    advance(61_000);
    expect(kids(await outcome(keys, 'a'))).toEqual(['a']);
  });

  it('keeps the same PreparedKey for an unchanged key across refreshes, and retires the removed ones', async () => {
    server.route('/jwks', { body: { keys: [keyA, keyB] } });
    const keys = source();
    await keys.warm(recordEvents());
    const [a1] = (await outcome(keys, 'a').then((r) => ('keys' in r ? r.keys : []))) as PreparedKey[];
    const [b1] = (await outcome(keys, 'b').then((r) => ('keys' in r ? r.keys : []))) as PreparedKey[];

    // The same key with its members in another order is the same key.
    const reordered = Object.fromEntries(Object.entries(keyA).reverse());
    server.route('/jwks', { body: { keys: [keyC, reordered] } });
    advance(COOLDOWN);
    expect(kids(await outcome(keys, 'c'))).toEqual(['c']);
    const [a2] = (await outcome(keys, 'a').then((r) => ('keys' in r ? r.keys : []))) as PreparedKey[];
    expect(a2).toBe(a1);
    expect(a1!.retired).toBe(false);
    expect(b1!.retired).toBe(true);
  });

  it('takes at most maxKeys keys from one response, and says so', async () => {
    const many = await Promise.all(['k1', 'k2', 'k3', 'k4', 'k5'].map(publicJwk));
    server.route('/jwks', { body: { keys: many } });
    const keys = source({ maxKeys: 2 });
    const events = recordEvents();
    await keys.warm(events);
    expect(events.of('keys-truncated')).toEqual([{ type: 'keys-truncated', url: server.url('/jwks'), keyCount: 5, maxKeys: 2 }]);
    expect(events.of('keys-fetched')[0]!.keyCount).toBe(2);
    expect(kids(await outcome(keys, 'k2'))).toEqual(['k2']);
    expect(await outcome(keys, 'k3')).toMatchObject({ error: { code: 'ERR_JWKS_NO_MATCHING_KEY' } });
  });
});

describe('remoteJwks: warm', () => {
  it('fetches now, and rejects with the reason when the fetch fails', async () => {
    server.route('/jwks', { mode: '503' });
    const keys = source();
    const error = await keys.warm(recordEvents()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteDocumentError);
    expect(error).toMatchObject({ reason: 'status', url: server.url('/jwks') });

    // warm() is explicit: it does not wait for the cooldown.
    server.route('/jwks', { mode: 'ok' });
    await expect(keys.warm(recordEvents())).resolves.toBeUndefined();
    expect(server.count('/jwks')).toBe(2);
    expect((await outcome(keys, 'a')).sync).toBe(true);
  });
});

describe('remoteJwks: where keys come from', () => {
  it('never lets a token decide a URL', async () => {
    server.route('/evil', { body: { keys: [keyB] } });
    const seen: string[] = [];
    const spy: FetchLike = (url, init) => {
      seen.push(url);
      return fetch(url, init);
    };
    const keys = source({ fetch: spy });
    await keys.warm(recordEvents());
    advance(COOLDOWN);
    await outcome(keys, server.url('/evil'));
    await outcome(keys, 'https://attacker.example/jwks.json');
    expect(new Set(seen)).toEqual(new Set([server.url('/jwks')]));
    expect(server.count('/evil')).toBe(0);
  });

  it('accepts the global fetch itself as the fetch option', async () => {
    await source({ fetch }).warm(recordEvents());
    expect(server.count('/jwks')).toBe(1);
  });

  it('sends the configured headers through the configured fetch', async () => {
    const spy = vi.fn<FetchLike>((url, init) => fetch(url, init));
    await source({ fetch: spy, headers: { 'x-gateway-key': 'g1' } }).warm(recordEvents());
    expect(spy).toHaveBeenCalledTimes(1);
    expect(server.requests[0]!.headers['x-gateway-key']).toBe('g1');
    expect(server.requests[0]!.headers.accept).toBe('application/json');
  });
});

describe('remoteJwks: configuration', () => {
  it('describes itself by its URL without the query string', () => {
    const keys = remoteJwks('https://idp.example/jwks?tenant=t1&key=secret');
    expect(keys.description).toBe('https://idp.example/jwks');
    expect(keys.symmetric).toBe(false);
  });

  it.each([
    ['ftp://idp.example/jwks', /scheme/],
    ['/relative/jwks', /absolute/],
    ['https://user:pass@idp.example/jwks', /credentials/],
  ])('refuses the URL %s', (url, message) => {
    expect(() => remoteJwks(url)).toThrowError(TypeError);
    expect(() => remoteJwks(url)).toThrowError(message);
  });

  it.each(['http://idp.example/jwks', 'http://10.0.0.5/jwks', 'http://localhost.evil.example/jwks', 'http://[::2]/jwks'])(
    'refuses plain http to a host that is not loopback (%s), naming allowInsecureHttp',
    (url) => {
      expect(() => remoteJwks(url)).toThrowError(TypeError);
      expect(() => remoteJwks(url)).toThrowError(/plain http:.*"allowInsecureHttp: true"/);
      expect(() => oidcDiscovery(url.replace('/jwks', '/'))).toThrowError(/allowInsecureHttp/);
      expect(() => remoteJwks(url, { allowInsecureHttp: true })).not.toThrow();
      expect(() => oidcDiscovery(url.replace('/jwks', '/'), { allowInsecureHttp: true })).not.toThrow();
    },
  );

  it.each([
    'http://127.0.0.1:8080/jwks',
    'http://127.8.9.10/jwks',
    'http://localhost:3000/jwks',
    'http://LOCALHOST/jwks',
    'http://[::1]:9000/jwks',
    'https://idp.example/jwks',
  ])('accepts %s without allowInsecureHttp', (url) => {
    expect(() => remoteJwks(url)).not.toThrow();
    expect(() => oidcDiscovery(url.replace('/jwks', '/'))).not.toThrow();
  });

  it.each<[RemoteJwksOptions, string]>([
    [{ allowInsecureHttp: 'yes' as unknown as boolean }, 'allowInsecureHttp'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: Infinity }, 'timeoutMs'],
    [{ timeoutMs: 2 ** 32 }, 'timeoutMs'],
    [{ maxResponseBytes: 1.5 }, 'maxResponseBytes'],
    [{ cooldownMs: -1 }, 'cooldownMs'],
    [{ cooldownMs: '10' as unknown as number }, 'cooldownMs'],
    [{ minCacheAgeMs: 60_000, maxCacheAgeMs: 30_000 }, 'maxCacheAgeMs'],
    [{ cacheMaxAgeMs: 10_000, minCacheAgeMs: 30_000 }, 'cacheMaxAgeMs'],
    [{ cacheMaxAgeMs: -5 }, 'cacheMaxAgeMs'],
    [{ staleIfErrorMs: NaN }, 'staleIfErrorMs'],
    [{ maxKeys: 0 }, 'maxKeys'],
    [{ headers: { 'x-n': 1 as unknown as string } }, 'headers'],
    [{ headers: { 'bad header': 'v' } }, 'headers'],
    [{ fetch: 'fetch' as unknown as FetchLike }, 'fetch'],
    [{ timeout: 1000 } as RemoteJwksOptions, 'timeout'],
  ])('refuses %o with a TypeError naming "%s"', (options, name) => {
    expect(() => remoteJwks('https://idp.example/jwks', options)).toThrowError(TypeError);
    expect(() => remoteJwks('https://idp.example/jwks', options)).toThrowError(`"${name}"`);
  });

  it('widens an unset bound to admit the freshness that was set', async () => {
    server.route('/jwks', {});
    const events = recordEvents();
    await source({ cacheMaxAgeMs: 5_000 }).warm(events);
    expect(events.of('keys-fetched')[0]!.maxAgeMs).toBe(5_000);
    expect(() => remoteJwks('https://idp.example/jwks', { cacheMaxAgeMs: 48 * 3_600_000 })).not.toThrow();
  });
});
