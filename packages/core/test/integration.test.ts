/**
 * End to end: the verifier against a real (mock) identity provider over HTTP on 127.0.0.1, observed only
 * through `verifier.verify(token)` and `verifier.warm()`. Pins what the issue requires of remote keys:
 * one fetch for a cold burst, the unknown-`kid` cooldown, rotation and retirement, stale-if-error, bounded
 * failures, Cache-Control, no key chosen by the token header, the issuer allow-list, and `warm()`.
 *
 * Only `Date` is faked: sockets, `AbortSignal.timeout` and the IdP's delays run on real time, while the
 * key cache's clock moves only when a test moves it (`clockAt`).
 */
import { advance, fakeClocks, realNow } from './helpers/clock.js';
import { randomUUID } from 'node:crypto';
import { createMockIdp, generateSigningKey, signWithHeader, type MockIdp, type MockIdpBehavior, type MockIdpOptions } from '@latchkey/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMultiIssuerVerifier,
  createVerifier,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_MAX_RESPONSE_BYTES,
  DEFAULT_JWKS_MIN_CACHE_AGE_MS,
  oidcDiscovery,
  remoteJwks,
  type KeySource,
  type LatchkeyErrorCode,
  type LatchkeyEvent,
  type RemoteDocumentFailure,
  type RemoteJwksOptions,
  type Verifier,
} from '../src/index.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const ALG = 'ES256';
/** The time limit of the tests about failing fetches: short, so that a hang costs little. */
const TIMEOUT_MS = 300;
/** Allowance on top of a time limit for a loaded machine. */
const MARGIN_MS = 300;
const COOLDOWN_MS = 1_000;
const JWKS_PATH = '/.well-known/jwks.json';

type Kind = 'remoteJwks' | 'oidcDiscovery';
const KINDS: Kind[] = ['remoteJwks', 'oidcDiscovery'];

const idps: MockIdp[] = [];

/** A mock IdP closed after the test. Its tokens live a day: moving the clock tests the key cache, not `exp`. */
async function startIdp(options: MockIdpOptions = {}): Promise<MockIdp> {
  const idp = await createMockIdp({ algorithms: [ALG], expiresInSeconds: 86_400, ...options });
  idps.push(idp);
  return idp;
}

beforeEach(() => {
  fakeClocks(new Date(T0).toISOString());
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(idps.splice(0).map((idp) => idp.close()));
});

/** Sets the clock to `ms` after the test's start (T0). */
const clockAt = (ms: number): void => {
  // Forward moves both clocks (the JWKS timers read the monotonic one); backward only the wall clock.
  const delta = T0 + ms - Date.now();
  if (delta >= 0) advance(delta);
  else vi.setSystemTime(T0 + ms);
};

function keysOf(kind: Kind, idp: MockIdp, options: RemoteJwksOptions): KeySource {
  return kind === 'remoteJwks' ? remoteJwks(idp.jwksUri, options) : oidcDiscovery(idp.issuer, options);
}

function verifierFor(idp: MockIdp, setup: { kind?: Kind; jwks?: RemoteJwksOptions; events?: Recorder; tokenCache?: boolean } = {}): Verifier {
  return createVerifier({
    keys: keysOf(setup.kind ?? 'remoteJwks', idp, setup.jwks ?? {}),
    algorithms: [ALG],
    issuer: idp.issuer,
    audience: idp.audience,
    onEvent: setup.events?.onEvent,
    // These tests watch the key path (fetches, refreshes, rotation) on every request: the cache, on by
    // default, would answer repeated tokens before it. The cache's own tests turn it on.
    tokenCache: setup.tokenCache ?? false,
  });
}

/** The document requests an IdP has had (discovery and JWKS): the fetches a source made. */
const fetchesOf = (idp: MockIdp): number => idp.stats.discoveryRequests + idp.stats.jwksRequests;

type EventOf<T extends LatchkeyEvent['type']> = Extract<LatchkeyEvent, { type: T }>;

interface Recorder {
  readonly onEvent: (event: LatchkeyEvent) => void;
  of<T extends LatchkeyEvent['type']>(type: T): EventOf<T>[];
  /** The next event of `type`; ask before causing it. Fails after 5 s rather than at the test timeout. */
  next<T extends LatchkeyEvent['type']>(type: T): Promise<EventOf<T>>;
}

function recorder(): Recorder {
  const events: LatchkeyEvent[] = [];
  const waiters: { type: LatchkeyEvent['type']; resolve: (event: LatchkeyEvent) => void }[] = [];
  return {
    onEvent(event) {
      events.push(event);
      const index = waiters.findIndex((waiter) => waiter.type === event.type);
      if (index !== -1) waiters.splice(index, 1)[0]!.resolve(event);
    },
    of: <T extends LatchkeyEvent['type']>(type: T) => events.filter((event): event is EventOf<T> => event.type === type),
    next: <T extends LatchkeyEvent['type']>(type: T) =>
      new Promise<EventOf<T>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${type}" event within 5 s`)), 5_000);
        waiters.push({
          type,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event as EventOf<T>);
          },
        });
      }),
  };
}

/** What every refusal here must be: the code, 401, and an RFC 6750 `invalid_token` challenge. */
function refusal(code: LatchkeyErrorCode): Record<string, unknown> {
  return {
    name: 'LatchkeyError',
    code,
    status: 401,
    statusCode: 401,
    headers: { 'WWW-Authenticate': expect.stringMatching(/^Bearer error="invalid_token", error_description="[^"]+"$/) },
  };
}

function expectAllRefused(results: readonly PromiseSettledResult<unknown>[], code: LatchkeyErrorCode): void {
  expect(results.length).toBeGreaterThan(0);
  for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: refusal(code) });
}

/** True when `promise` settles before the event loop's next check phase: answered without waiting on any I/O. */
function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
  ]);
}

/** Verifies `token` `times` times at once; every call must resolve without waiting on the IdP. */
async function expectServedAtOnce(verifier: Verifier, token: string, times = 1): Promise<void> {
  const pending = Array.from({ length: times }, () => verifier.verify(token));
  expect(await Promise.all(pending.map(settlesAtOnce))).toEqual(Array(times).fill(true));
  for (const result of await Promise.all(pending)) expect(result.token).toBe(token);
}

/** Tokens signed by `attacker`-like keys: a header we choose, the IdP's own (valid) claims. */
const forge = (idp: MockIdp, header: Record<string, unknown>, key: Parameters<typeof signWithHeader>[2]): string =>
  signWithHeader({ alg: ALG, typ: 'JWT', ...header }, idp.claims(), key);

describe('a cold start under load', () => {
  it.each(KINDS)('%s: 200 concurrent verify() calls share one fetch and all resolve', async (kind) => {
    const idp = await startIdp();
    const events = recorder();
    const verifier = verifierFor(idp, { kind, events });
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, index) => idp.sign({ sub: `user-${index}` })));
    // A slow answer keeps the fetch in flight while the whole burst waits on it.
    idp.setBehavior({ delayMs: 100 });

    const results = await Promise.all(tokens.map((token) => verifier.verify(token)));

    expect(results.map((result) => result.payload.sub)).toEqual(tokens.map((_, index) => `user-${index}`));
    expect(idp.stats).toEqual({ discoveryRequests: kind === 'oidcDiscovery' ? 1 : 0, jwksRequests: 1, otherRequests: 0 });
    expect(events.of('keys-fetched')).toHaveLength(1);
    expect(events.of('discovery-fetched')).toHaveLength(kind === 'oidcDiscovery' ? 1 : 0);
    // Warm now: answered without I/O, and without another fetch.
    await expectServedAtOnce(verifier, tokens[0]!, 50);
    expect(fetchesOf(idp)).toBe(kind === 'oidcDiscovery' ? 2 : 1);
  });
});

describe('a flood of unknown kids', () => {
  it('500 tokens with random kids: all refused, one fetch per cooldown window, the cooldown counted from a refetch that found nothing', async () => {
    const idp = await startIdp();
    const attacker = await generateSigningKey(ALG);
    const events = recorder();
    // The default cooldown: the clock is fake, so its 10 s cost nothing.
    const verifier = verifierFor(idp, { events });
    await verifier.warm();
    expect(idp.stats.jwksRequests).toBe(1);
    const good = await idp.sign();
    const flood = (count: number): Promise<PromiseSettledResult<unknown>[]> =>
      Promise.allSettled(Array.from({ length: count }, () => verifier.verify(forge(idp, { kid: randomUUID() }, attacker))));

    // Right after warm-up the first unknown kid refetches (its key may just have been published); the
    // burst shares that fetch, which finds none of them and starts the cooldown.
    expectAllRefused(await flood(500), 'ERR_JWKS_NO_MATCHING_KEY');
    expect(idp.stats.jwksRequests).toBe(2);
    expectAllRefused(await flood(500), 'ERR_JWKS_NO_MATCHING_KEY');
    expect(idp.stats.jwksRequests).toBe(2);
    await expect(verifier.verify(good)).resolves.toMatchObject({ payload: { iss: idp.issuer } });

    let cooldownFrom = 0;
    for (let window = 1; window <= 3; window++) {
      clockAt(cooldownFrom + DEFAULT_JWKS_COOLDOWN_MS - 1);
      expectAllRefused(await flood(100), 'ERR_JWKS_NO_MATCHING_KEY');
      expect(idp.stats.jwksRequests).toBe(window + 1);

      // The cooldown has passed: the whole burst shares one refetch, and the rest of the window none.
      cooldownFrom += DEFAULT_JWKS_COOLDOWN_MS;
      clockAt(cooldownFrom);
      expectAllRefused(await flood(500), 'ERR_JWKS_NO_MATCHING_KEY');
      expectAllRefused(await flood(100), 'ERR_JWKS_NO_MATCHING_KEY');
      expect(idp.stats.jwksRequests).toBe(window + 2);
      // Real traffic is unaffected.
      await expectServedAtOnce(verifier, good);
    }
    expect(events.of('unknown-kid').filter((event) => event.refetched)).toHaveLength(4);
    expect(events.of('unknown-kid')).toHaveLength(1000 + 3 * 700);
    expect(events.of('keys-fetch-failed')).toEqual([]);
  });
});

describe('token-derived values in events', () => {
  it('bounds and escapes a kid before it reaches an event (20,000 characters with CR, LF and ESC)', async () => {
    const idp = await startIdp();
    const attacker = await generateSigningKey(ALG);
    const events = recorder();
    const verifier = verifierFor(idp, { events });
    await verifier.warm();
    const kid = `evil\r\nlevel=info msg="forged"\u001b[2J${'x'.repeat(20_000)}`;
    await expect(verifier.verify(forge(idp, { kid }, attacker))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    const [event] = events.of('unknown-kid');
    expect(event!.kid.length).toBeLessThanOrEqual(200);
    expect(event!.kid).toMatch(/^[\x20-\x7e]*$/);
    expect(event!.kid.startsWith('evil\\u000d\\u000alevel=info msg="forged"\\u001b[2J')).toBe(true);
    expect(event!.kid.endsWith(`...(${kid.length} chars)`)).toBe(true);
    // The refusal's server-only detail names the kid too, bounded the same way.
    expect(JSON.stringify(events.of('refused'))).not.toContain('x'.repeat(200));
  });
});

describe('key rotation', () => {
  it.each(KINDS)('%s: a key published right after warm-up is accepted on its first use, with one fetch', async (kind) => {
    const idp = await startIdp();
    const events = recorder();
    const verifier = verifierFor(idp, { kind, events, jwks: { cooldownMs: COOLDOWN_MS } });
    const before = await idp.sign({ sub: 'before' });
    await expect(verifier.verify(before)).resolves.toMatchObject({ payload: { sub: 'before' } });

    // No time passes: the cooldown counts from a refetch that failed to find its kid, not from every fetch.
    const next = await idp.rotate();
    await expect(verifier.verify(await idp.sign({ sub: 'after' }))).resolves.toMatchObject({ payload: { sub: 'after' }, header: { kid: next.kid } });

    // One JWKS refetch; discovery is not repeated for it.
    expect(idp.stats).toEqual({ discoveryRequests: kind === 'oidcDiscovery' ? 1 : 0, jwksRequests: 2, otherRequests: 0 });
    expect(events.of('unknown-kid')).toEqual([expect.objectContaining({ kid: next.kid, refetched: true })]);
    // The previous key is still published: both keys verify now, without a fetch.
    await expectServedAtOnce(verifier, before);
    await expectServedAtOnce(verifier, await idp.sign());
    expect(idp.stats.jwksRequests).toBe(2);
  });

  it('after a refetch that found nothing, a new kid inside the cooldown is refused at once, and accepted once it has passed', async () => {
    const idp = await startIdp();
    const attacker = await generateSigningKey(ALG);
    const events = recorder();
    const verifier = verifierFor(idp, { events, jwks: { cooldownMs: COOLDOWN_MS } });
    await verifier.warm();
    await expect(verifier.verify(forge(idp, { kid: randomUUID() }, attacker))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect(idp.stats.jwksRequests).toBe(2);
    const next = await idp.rotate();
    const after = await idp.sign();

    clockAt(COOLDOWN_MS - 1);
    await expect(verifier.verify(after)).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect(idp.stats.jwksRequests).toBe(2);

    clockAt(COOLDOWN_MS);
    await expect(verifier.verify(after)).resolves.toMatchObject({ header: { kid: next.kid } });
    expect(idp.stats.jwksRequests).toBe(3);
    expect(events.of('unknown-kid').map((event) => event.refetched)).toEqual([true, false, true]);
  });

  it('the wall clock stepping back does not stall the cooldown', async () => {
    const idp = await startIdp();
    const attacker = await generateSigningKey(ALG);
    const verifier = verifierFor(idp, { jwks: { cooldownMs: COOLDOWN_MS } });
    await verifier.warm();
    await expect(verifier.verify(forge(idp, { kid: randomUUID() }, attacker))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    const next = await idp.rotate();
    // An hour back on the wall clock (NTP step, a restored VM), then the cooldown passes on the monotonic one.
    clockAt(-3_600_000);
    advance(COOLDOWN_MS);
    const after = await idp.sign();
    await expect(verifier.verify(after)).resolves.toMatchObject({ header: { kid: next.kid } });
    expect(idp.stats.jwksRequests).toBe(3);
  });

  it('a key withdrawn from the JWKS keeps verifying until the next refresh, and stops with it', async () => {
    const idp = await startIdp();
    const withdrawn = idp.currentKey;
    const spare = await idp.publishKey();
    const events = recorder();
    const verifier = verifierFor(idp, { events, jwks: { cooldownMs: COOLDOWN_MS, cacheMaxAgeMs: 60_000 } });
    await verifier.warm();
    const oldToken = await idp.sign({ sub: 'old' });
    const spareToken = await idp.sign({ sub: 'spare' }, { key: spare });
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ header: { kid: withdrawn.kid } });

    expect(idp.unpublish(withdrawn.kid)).toBe(true);
    // The verifier learns of it only from a refresh, due at three quarters of the 60 s freshness.
    clockAt(44_999);
    await expectServedAtOnce(verifier, oldToken);
    expect(idp.stats.jwksRequests).toBe(1);

    clockAt(45_000);
    const fetched = events.next('keys-fetched');
    // This request starts the background refresh and is answered from the set at hand.
    await expectServedAtOnce(verifier, oldToken);
    expect(await fetched).toMatchObject({ keyCount: 1, maxAgeMs: 60_000 });
    expect(idp.stats.jwksRequests).toBe(2);

    // The first refusal refetches once (the kid is not there either), which starts the cooldown.
    await expect(verifier.verify(oldToken)).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect(idp.stats.jwksRequests).toBe(3);
    await expect(verifier.verify(await idp.sign())).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    await expectServedAtOnce(verifier, spareToken);
    // Refused inside the cooldown: no fetch for them.
    expect(idp.stats.jwksRequests).toBe(3);
  });

  it('tokenCache: a cached token signed by a withdrawn key is refused after the refresh that drops the key', async () => {
    const idp = await startIdp();
    const withdrawn = idp.currentKey;
    const spare = await idp.publishKey();
    const events = recorder();
    const verifier = verifierFor(idp, { events, tokenCache: true, jwks: { cooldownMs: COOLDOWN_MS, cacheMaxAgeMs: 60_000 } });
    const oldToken = await idp.sign({ sub: 'old' });
    const spareToken = await idp.sign({ sub: 'spare' }, { key: spare });
    const oldFirst = await verifier.verify(oldToken);
    const spareFirst = await verifier.verify(spareToken);
    // Cache hits hand back the same frozen payload.
    expect((await verifier.verify(oldToken)).payload).toBe(oldFirst.payload);

    idp.unpublish(withdrawn.kid);
    expect((await verifier.verify(oldToken)).payload).toBe(oldFirst.payload);

    // A request that misses the token cache starts the background refresh (cache hits never look up keys).
    clockAt(45_000);
    const fetched = events.next('keys-fetched');
    await expectServedAtOnce(verifier, await idp.sign({ sub: 'uncached' }, { key: spare }));
    expect(await fetched).toMatchObject({ keyCount: 1 });
    expect(idp.stats.jwksRequests).toBe(2);

    // The entry died with its key (one refetch for its kid finds nothing); the other key's entry lives on.
    await expect(verifier.verify(oldToken)).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect((await verifier.verify(spareToken)).payload).toBe(spareFirst.payload);
    expect(idp.stats.jwksRequests).toBe(3);
  });

  it("tokenCache: with only cache hits, a token signed by a removed key is refused once the key set's max-age ends", async () => {
    const idp = await startIdp();
    const withdrawn = idp.currentKey;
    await idp.publishKey();
    const verifier = verifierFor(idp, { tokenCache: true, jwks: { cooldownMs: COOLDOWN_MS, cacheMaxAgeMs: 60_000 } });
    const oldToken = await idp.sign({ sub: 'old' });
    const first = await verifier.verify(oldToken);
    idp.unpublish(withdrawn.kid);

    // Cache hits never look up keys, so nothing refreshes the set: they are served until its freshness
    // ends (not for the cache's 600 s TTL, nor the 12 h stale-if-error grace)...
    clockAt(59_999);
    expect((await verifier.verify(oldToken)).payload).toBe(first.payload);
    expect(idp.stats.jwksRequests).toBe(1);
    // ...and then the token is verified afresh, as an uncached verifier would: the refetch finds its key gone.
    clockAt(60_000);
    await expect(verifier.verify(oldToken)).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect(idp.stats.jwksRequests).toBeGreaterThanOrEqual(2);
  });

  it('tokenCache: a cached token never outlives the trust in its key set (expired, grace over, IdP down)', async () => {
    const idp = await startIdp();
    const verifier = verifierFor(idp, { tokenCache: true, jwks: { cacheMaxAgeMs: 60_000, staleIfErrorMs: 0, cooldownMs: COOLDOWN_MS, timeoutMs: TIMEOUT_MS } });
    const cached = await idp.sign();
    const first = await verifier.verify(cached);
    expect((await verifier.verify(cached)).payload).toBe(first.payload);
    idp.unpublish(idp.currentKey.kid);
    idp.setBehavior('down');
    clockAt(300_000);
    await expect(verifier.verify(await idp.sign())).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    await expect(verifier.verify(cached)).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
  });
});

describe('an IdP outage with stale keys', () => {
  const options: RemoteJwksOptions = { timeoutMs: TIMEOUT_MS, cooldownMs: COOLDOWN_MS, cacheMaxAgeMs: 60_000, staleIfErrorMs: 120_000 };
  const FRESH_UNTIL = 60_000;
  const STALE_UNTIL = FRESH_UNTIL + 120_000;
  const outages: [MockIdpBehavior & string, RemoteDocumentFailure][] = [
    ['down', 'status'],
    ['garbage', 'not-json'],
    ['hang', 'timeout'],
  ];
  const cases = KINDS.flatMap((kind) => outages.map(([behavior, reason]) => [kind, behavior, reason] as const));

  it.each(cases)('%s, IdP %s: served at once within staleIfErrorMs, one fetch per cooldown, then ERR_JWKS_UNAVAILABLE', async (kind, behavior, reason) => {
    const idp = await startIdp();
    const events = recorder();
    const verifier = verifierFor(idp, { kind, events, jwks: options });
    await verifier.warm();
    const warm = fetchesOf(idp);
    const token = await idp.sign();
    idp.setBehavior(behavior);

    // Three quarters into the freshness: served at once; the background refresh fails and says so.
    clockAt(50_000);
    let failed = events.next('keys-fetch-failed');
    await expectServedAtOnce(verifier, token);
    expect(await failed).toMatchObject({ staleKeysServed: true, error: { name: 'RemoteDocumentError', reason } });
    expect(fetchesOf(idp)).toBe(warm + 1);

    // Past its max-age, within staleIfErrorMs: every request served at once; one background retry.
    clockAt(FRESH_UNTIL + 30_000);
    failed = events.next('keys-fetch-failed');
    await expectServedAtOnce(verifier, token, 50);
    expect(await failed).toMatchObject({ staleKeysServed: true, error: { reason } });
    await expectServedAtOnce(verifier, token, 50);
    expect(fetchesOf(idp)).toBe(warm + 2);

    // One cooldown later: one more retry for the next 50 requests, not one each.
    clockAt(FRESH_UNTIL + 30_000 + COOLDOWN_MS);
    failed = events.next('keys-fetch-failed');
    await expectServedAtOnce(verifier, token, 50);
    await failed;
    expect(fetchesOf(idp)).toBe(warm + 3);
    expect(events.of('keys-fetch-failed')).toHaveLength(3);

    // Past the grace period: unverifiable, a 401 within the time limit.
    clockAt(STALE_UNTIL);
    const started = realNow();
    await expect(verifier.verify(token)).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    expect(realNow() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(fetchesOf(idp)).toBe(warm + 4);
    expect(events.of('keys-fetch-failed').at(-1)).toMatchObject({ staleKeysServed: false, error: { reason } });
    // Inside the cooldown: refused at once, without a fetch.
    await expect(verifier.verify(token)).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    expect(fetchesOf(idp)).toBe(warm + 4);

    // The IdP is back: the first request after the cooldown fetches and verifies.
    idp.setBehavior('ok');
    clockAt(STALE_UNTIL + COOLDOWN_MS);
    await expect(verifier.verify(token)).resolves.toMatchObject({ payload: { iss: idp.issuer } });
  });

  it.each(['down', 'hang'] as const)(
    'IdP %s, clock jumps past the max-age: the first request waits at most timeoutMs for the refresh, gets the stale set, and the rest are served at once',
    async (behavior) => {
      const idp = await startIdp();
      const events = recorder();
      const verifier = verifierFor(idp, { events, jwks: options });
      await verifier.warm();
      const token = await idp.sign();
      idp.setBehavior(behavior);

      clockAt(FRESH_UNTIL + 1_000);
      const started = realNow();
      const first = verifier.verify(token);
      expect(await settlesAtOnce(first)).toBe(false);
      await expect(first).resolves.toMatchObject({ payload: { iss: idp.issuer } });
      expect(realNow() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(events.of('keys-fetch-failed')).toEqual([expect.objectContaining({ staleKeysServed: true })]);
      await expectServedAtOnce(verifier, token, 50);
      expect(idp.stats.jwksRequests).toBe(2);
    },
  );
});

describe('a cold start against a misbehaving IdP', () => {
  /** [name, behaviour (given another IdP a redirect may point at), the reason reported]. */
  const failures: [string, (elsewhere: MockIdp) => MockIdpBehavior, RemoteDocumentFailure][] = [
    ['down (503)', () => 'down', 'status'],
    ['hanging', () => 'hang', 'timeout'],
    ['stalling mid-body', () => 'stall', 'timeout'],
    ['sending garbage', () => 'garbage', 'not-json'],
    ['sending a huge body', () => ({ body: { keys: [], padding: 'x'.repeat(DEFAULT_JWKS_MAX_RESPONSE_BYTES) } }), 'too-large'],
    ['redirecting', (elsewhere) => ({ status: 302, headers: { location: elsewhere.jwksUri } }), 'redirect'],
    ['slower than timeoutMs', () => ({ delayMs: 3 * TIMEOUT_MS }), 'timeout'],
    ['sending JSON that is neither document', () => ({ body: { hello: 'world' } }), 'invalid-document'],
  ];
  const targets: [string, Kind, 'jwks' | 'discovery'][] = [
    ['remoteJwks', 'remoteJwks', 'jwks'],
    ['oidcDiscovery, discovery endpoint', 'oidcDiscovery', 'discovery'],
    ['oidcDiscovery, JWKS endpoint', 'oidcDiscovery', 'jwks'],
  ];

  describe.each(targets)('%s', (_, kind, endpoint) => {
    it.each(failures)('IdP %s: 20 concurrent requests get ERR_JWKS_UNAVAILABLE within timeoutMs, after one attempt', async (_name, behavior, reason) => {
      const idp = await startIdp();
      const elsewhere = await startIdp();
      const events = recorder();
      const verifier = verifierFor(idp, { kind, events, jwks: { timeoutMs: TIMEOUT_MS, cooldownMs: COOLDOWN_MS } });
      const tokens = await Promise.all(Array.from({ length: 20 }, () => idp.sign()));
      idp.setBehavior(behavior(elsewhere), { endpoint });

      const started = realNow();
      const results = await Promise.allSettled(tokens.map((token) => verifier.verify(token)));
      expect(realNow() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

      expectAllRefused(results, 'ERR_JWKS_UNAVAILABLE');
      expect(events.of('keys-fetch-failed')).toEqual([
        expect.objectContaining({
          url: endpoint === 'jwks' ? idp.jwksUri : idp.discoveryUrl,
          staleKeysServed: false,
          error: expect.objectContaining({ reason }),
        }),
      ]);
      expect(idp.stats).toEqual({ discoveryRequests: kind === 'oidcDiscovery' ? 1 : 0, jwksRequests: endpoint === 'jwks' ? 1 : 0, otherRequests: 0 });
      expect(elsewhere.requests).toEqual([]);

      // Inside the cooldown: refused at once, without another attempt.
      const again = verifier.verify(tokens[0]!);
      expect(await settlesAtOnce(again)).toBe(true);
      await expect(again).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
      expect(events.of('keys-fetch-failed')).toHaveLength(1);
    });
  });

  it('discovery and the JWKS fetch share one deadline: two answers that each fit in it do not fit together', async () => {
    const idp = await startIdp();
    const events = recorder();
    const verifier = verifierFor(idp, { kind: 'oidcDiscovery', events, jwks: { timeoutMs: TIMEOUT_MS } });
    idp.setBehavior({ delayMs: 0.6 * TIMEOUT_MS });

    const started = realNow();
    await expect(verifier.verify(await idp.sign())).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    const elapsed = realNow() - started;
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    // Discovery answered in time; the JWKS request was made and cut short by what was left of the deadline.
    expect(idp.stats).toEqual({ discoveryRequests: 1, jwksRequests: 1, otherRequests: 0 });
    expect(events.of('keys-fetch-failed')).toEqual([expect.objectContaining({ url: idp.jwksUri, error: expect.objectContaining({ reason: 'timeout' }) })]);
  });

  it('a discovery document naming another issuer is refused, and the jwks_uri it names is never fetched', async () => {
    const idp = await startIdp();
    const impostor = await startIdp();
    const events = recorder();
    const verifier = verifierFor(idp, { kind: 'oidcDiscovery', events, jwks: { timeoutMs: TIMEOUT_MS } });
    idp.metadata = { issuer: impostor.issuer, jwks_uri: impostor.jwksUri };

    await expect(verifier.verify(await idp.sign())).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    expect(events.of('keys-fetch-failed')).toEqual([
      expect.objectContaining({ url: idp.discoveryUrl, error: expect.objectContaining({ reason: 'invalid-document' }) }),
    ]);
    expect(idp.stats).toEqual({ discoveryRequests: 1, jwksRequests: 0, otherRequests: 0 });
    expect(impostor.requests).toEqual([]);
  });

  it.each(KINDS)('%s: with no keys at all, recovers within the back-off (not the cooldown) once the IdP answers again', async (kind) => {
    const idp = await startIdp();
    const verifier = verifierFor(idp, { kind, jwks: { timeoutMs: TIMEOUT_MS, cooldownMs: DEFAULT_JWKS_COOLDOWN_MS } });
    const token = await idp.sign();
    idp.setBehavior('down');
    await expect(verifier.verify(token)).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    idp.setBehavior('ok');
    clockAt(249);
    await expect(verifier.verify(token)).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    expect(fetchesOf(idp)).toBe(1);

    clockAt(250);
    await expect(verifier.verify(token)).resolves.toMatchObject({ payload: { iss: idp.issuer } });
    // remoteJwks: two JWKS requests; oidcDiscovery: two discovery requests (the first one failed) and one JWKS request.
    expect(idp.stats).toEqual({ discoveryRequests: kind === 'oidcDiscovery' ? 2 : 0, jwksRequests: kind === 'oidcDiscovery' ? 1 : 2, otherRequests: 0 });
  });
});

describe('Cache-Control', () => {
  it('max-age=60: no refetch before 45 s; then one background refresh while every request is served at once', async () => {
    const idp = await startIdp({ cacheControl: 'max-age=60' });
    const events = recorder();
    const verifier = verifierFor(idp, { events });
    await verifier.warm();
    expect(events.of('keys-fetched')).toEqual([expect.objectContaining({ maxAgeMs: 60_000 })]);
    const token = await idp.sign();

    clockAt(44_999);
    await expectServedAtOnce(verifier, token, 50);
    expect(idp.stats.jwksRequests).toBe(1);

    // A slow IdP keeps the refresh in flight while the requests arrive.
    idp.setBehavior({ delayMs: 200 });
    clockAt(45_000);
    const fetched = events.next('keys-fetched');
    await expectServedAtOnce(verifier, token, 50);
    await fetched;
    await expectServedAtOnce(verifier, token, 50);
    expect(idp.stats.jwksRequests).toBe(2);

    // Fresh for another 60 s from the refresh: nothing until three quarters of it.
    clockAt(45_000 + 44_999);
    await expectServedAtOnce(verifier, token, 50);
    expect(idp.stats.jwksRequests).toBe(2);
    expect(events.of('keys-fetch-failed')).toEqual([]);
  });

  it('a max-age under minCacheAgeMs is raised to it', async () => {
    const idp = await startIdp({ cacheControl: 'max-age=5' });
    const events = recorder();
    const verifier = verifierFor(idp, { events });
    await verifier.warm();
    expect(events.of('keys-fetched')).toEqual([expect.objectContaining({ maxAgeMs: DEFAULT_JWKS_MIN_CACHE_AGE_MS })]);
    const token = await idp.sign();

    clockAt(0.75 * DEFAULT_JWKS_MIN_CACHE_AGE_MS - 1);
    await expectServedAtOnce(verifier, token, 10);
    expect(idp.stats.jwksRequests).toBe(1);
    clockAt(0.75 * DEFAULT_JWKS_MIN_CACHE_AGE_MS);
    const fetched = events.next('keys-fetched');
    await expectServedAtOnce(verifier, token);
    await fetched;
    expect(idp.stats.jwksRequests).toBe(2);
  });
});

describe('keys never come from the token header', () => {
  it.each(KINDS)("%s: jku, x5u or jwk naming the attacker's published key: refused, and the attacker's IdP is never asked", async (kind) => {
    const idp = await startIdp();
    const attacker = await generateSigningKey(ALG);
    const evil = await startIdp({ keys: [attacker] });
    expect(evil.jwks.keys.map((jwk) => jwk.kid)).toEqual([attacker.kid]);
    const verifier = verifierFor(idp, { kind, jwks: { cooldownMs: COOLDOWN_MS } });
    await verifier.warm();
    const warm = idp.requests.length;

    const unknownKid = [
      { kid: attacker.kid, jku: evil.jwksUri },
      { kid: attacker.kid, jku: evil.issuer },
      { kid: attacker.kid, x5u: evil.jwksUri },
      { kid: attacker.kid, jwk: attacker.publicJwk },
      { kid: attacker.kid, jku: idp.jwksUri },
      { kid: attacker.kid, jku: evil.jwksUri, x5u: evil.jwksUri, jwk: attacker.publicJwk },
    ];
    for (const header of unknownKid) {
      await expect(verifier.verify(forge(idp, header, attacker))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    }
    // With the IdP's own kid, or none, the configured key is the one tried: the attacker's signature fails.
    for (const header of [
      { kid: idp.currentKey.kid, jku: evil.jwksUri },
      { jku: evil.jwksUri, jwk: attacker.publicJwk },
    ]) {
      await expect(verifier.verify(forge(idp, header, attacker))).rejects.toMatchObject(refusal('ERR_JWS_SIGNATURE_INVALID'));
    }
    expect(evil.requests).toEqual([]);

    // The first unknown kid refetched once, from the configured JWKS URL, nowhere else; the rest fell in its cooldown.
    expect(idp.requests.slice(warm).map((request) => request.url)).toEqual([JWKS_PATH]);
    clockAt(COOLDOWN_MS);
    await expect(verifier.verify(forge(idp, unknownKid[0]!, attacker))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect(idp.requests.slice(warm).map((request) => request.url)).toEqual([JWKS_PATH, JWKS_PATH]);
    expect(evil.requests).toEqual([]);
  });
});

describe('several issuers', () => {
  it('each issuer verifies its own tokens; a token claiming another issuer is refused; an unknown issuer causes no fetch', async () => {
    const [a, b, unlisted] = await Promise.all([startIdp({ audience: 'https://a.api.test' }), startIdp({ audience: 'https://b.api.test' }), startIdp()]);
    const events = recorder();
    const verifier = createMultiIssuerVerifier({
      issuers: [a, b].map((idp) => ({
        issuer: idp.issuer,
        keys: oidcDiscovery(idp.issuer, { cooldownMs: COOLDOWN_MS }),
        algorithms: [ALG],
        audience: idp.audience,
      })),
      onEvent: events.onEvent,
    });
    const none = { discoveryRequests: 0, jwksRequests: 0, otherRequests: 0 };
    const once = { discoveryRequests: 1, jwksRequests: 1, otherRequests: 0 };
    const stats = () => [a.stats, b.stats, unlisted.stats];

    // An issuer not on the list, on a cold cache: refused before any key lookup; nobody is asked.
    await expect(verifier.verify(await unlisted.sign())).rejects.toMatchObject({ ...refusal('ERR_JWT_ISSUER_NOT_ALLOWED'), claim: 'iss' });
    expect(stats()).toEqual([none, none, none]);

    await expect(verifier.verify(await a.sign({ sub: 'from-a' }))).resolves.toMatchObject({ payload: { iss: a.issuer, sub: 'from-a' } });
    expect(stats()).toEqual([once, none, none]);
    await expect(verifier.verify(await b.sign({ sub: 'from-b' }))).resolves.toMatchObject({ payload: { iss: b.issuer, aud: 'https://b.api.test' } });
    expect(stats()).toEqual([once, once, none]);

    // B's key claiming A's issuer: A's keys decide, and B's key is not among them. Its unknown kid
    // refetches A's JWKS (A's alone) once, and is still refused; inside the cooldown that follows, no fetch.
    const claimsA = { iss: a.issuer, aud: 'https://a.api.test' };
    await expect(verifier.verify(await b.sign(claimsA))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    await expect(verifier.verify(await b.sign(claimsA, { header: { kid: a.currentKey.kid } }))).rejects.toMatchObject(refusal('ERR_JWS_SIGNATURE_INVALID'));
    expect(stats()).toEqual([{ ...once, jwksRequests: 2 }, once, none]);
    clockAt(COOLDOWN_MS - 1);
    await expect(verifier.verify(await b.sign(claimsA))).rejects.toMatchObject(refusal('ERR_JWKS_NO_MATCHING_KEY'));
    expect(stats()).toEqual([{ ...once, jwksRequests: 2 }, once, none]);

    // Unknown issuers, cooldowns long past: refused, no fetch anywhere.
    clockAt(10 * COOLDOWN_MS);
    for (const iss of [unlisted.issuer, `${a.issuer}/`, a.issuer.toUpperCase(), 'https://evil.example']) {
      await expect(verifier.verify(await unlisted.sign({ iss }))).rejects.toMatchObject({ ...refusal('ERR_JWT_ISSUER_NOT_ALLOWED'), claim: 'iss' });
    }
    await expect(verifier.verify(await unlisted.sign({ iss: undefined }))).rejects.toMatchObject(refusal('ERR_JWT_ISSUER_NOT_ALLOWED'));
    expect(stats()).toEqual([{ ...once, jwksRequests: 2 }, once, none]);
    expect(events.of('unknown-kid').map((event) => event.refetched)).toEqual([true, false]);
  });
});

describe('warm()', () => {
  it.each(KINDS)('%s: fetches the keys once at start-up; requests then need no fetch', async (kind) => {
    const idp = await startIdp();
    const events = recorder();
    const verifier = verifierFor(idp, { kind, events });
    expect(fetchesOf(idp)).toBe(0);
    await verifier.warm();
    expect(idp.stats).toEqual({ discoveryRequests: kind === 'oidcDiscovery' ? 1 : 0, jwksRequests: 1, otherRequests: 0 });
    expect(events.of('keys-fetched')).toHaveLength(1);

    await expectServedAtOnce(verifier, await idp.sign(), 20);
    expect(fetchesOf(idp)).toBe(kind === 'oidcDiscovery' ? 2 : 1);
  });

  it.each(KINDS)('%s: rejects with an error naming the URL and the reason when the IdP is down', async (kind) => {
    const idp = await startIdp();
    const verifier = verifierFor(idp, { kind, jwks: { cooldownMs: COOLDOWN_MS } });
    idp.setBehavior('down');
    const url = kind === 'oidcDiscovery' ? idp.discoveryUrl : idp.jwksUri;

    await expect(verifier.warm()).rejects.toMatchObject({ name: 'RemoteDocumentError', reason: 'status', url, message: `${url}: the server answered 503` });
    expect(fetchesOf(idp)).toBe(1);
    // Requests inside the cooldown get their 401 at once, without another fetch.
    await expect(verifier.verify(await idp.sign())).rejects.toMatchObject(refusal('ERR_JWKS_UNAVAILABLE'));
    expect(fetchesOf(idp)).toBe(1);
  });

  it('rejects within timeoutMs when the IdP hangs', async () => {
    const idp = await startIdp();
    const verifier = verifierFor(idp, { kind: 'oidcDiscovery', jwks: { timeoutMs: TIMEOUT_MS } });
    idp.setBehavior('hang');
    const started = realNow();
    await expect(verifier.warm()).rejects.toMatchObject({ name: 'RemoteDocumentError', reason: 'timeout', url: idp.discoveryUrl });
    expect(realNow() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(idp.stats).toEqual({ discoveryRequests: 1, jwksRequests: 0, otherRequests: 0 });
  });

  it("multi-issuer: fetches every issuer's keys, and rejects naming the issuer that is down", async () => {
    const [a, b] = await Promise.all([startIdp(), startIdp()]);
    const build = () =>
      createMultiIssuerVerifier({
        issuers: [a, b].map((idp) => ({ issuer: idp.issuer, keys: oidcDiscovery(idp.issuer), algorithms: [ALG], audience: idp.audience })),
      });
    const verifier = build();
    await verifier.warm();
    expect([a.stats, b.stats]).toEqual([
      { discoveryRequests: 1, jwksRequests: 1, otherRequests: 0 },
      { discoveryRequests: 1, jwksRequests: 1, otherRequests: 0 },
    ]);
    await expectServedAtOnce(verifier, await a.sign());
    await expectServedAtOnce(verifier, await b.sign());
    expect(fetchesOf(a) + fetchesOf(b)).toBe(4);

    b.setBehavior('down');
    await expect(build().warm()).rejects.toMatchObject({ name: 'RemoteDocumentError', reason: 'status', url: b.discoveryUrl });
    expect(b.stats.discoveryRequests).toBe(2);
  });
});
