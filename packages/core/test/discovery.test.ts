import { advance, fakeClocks, realNow } from './helpers/clock.js';
import type { JWK } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KeySource } from '../src/key-source.js';
import type { PreparedKey } from '../src/keys.js';
import { oidcDiscovery, type DiscoveryOptions } from '../src/jwks/discovery.js';
import { RemoteDocumentError, type FetchLike } from '../src/jwks/fetch-json.js';
import { recordEvents } from './helpers/events.js';
import { publicJwk, startServer, type TestServer } from './helpers/jwks-server.js';

const COOLDOWN = 1_000;
const WELL_KNOWN = '/tenant/.well-known/openid-configuration';

let server: TestServer;
let issuer: string;
let keyA: JWK;

beforeAll(async () => {
  keyA = await publicJwk('a');
});

beforeEach(async () => {
  fakeClocks();
  server = await startServer();
  issuer = server.url('/tenant/');
  server.route(WELL_KNOWN, { body: { issuer, jwks_uri: server.url('/keys'), id_token_signing_alg_values_supported: ['ES256'] } });
  server.route('/keys', { body: { keys: [keyA] } });
});

afterEach(async () => {
  vi.useRealTimers();
  await server.close();
});

const discover = (options: DiscoveryOptions = {}, iss = issuer): KeySource => oidcDiscovery(iss, { cooldownMs: COOLDOWN, timeoutMs: 2_000, ...options });

async function keysFor(source: KeySource, kid: string, events = recordEvents()): Promise<readonly PreparedKey[]> {
  return await source.getKeys({ kid, alg: 'ES256' }, events);
}

async function rejection(source: KeySource, kid: string, events = recordEvents()): Promise<{ code: string; message: string }> {
  try {
    await source.getKeys({ kid, alg: 'ES256' }, events);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** A fetch that answers from a table of URL → JSON, for https issuers the loopback server cannot play. */
function tableFetch(table: Record<string, unknown>): FetchLike & { urls: string[] } {
  const urls: string[] = [];
  const fn = async (url: string): Promise<Response> => {
    urls.push(url);
    const body = table[url];
    return body === undefined ? new Response('not found', { status: 404 }) : new Response(JSON.stringify(body), { status: 200 });
  };
  return Object.assign(fn, { urls });
}

describe('oidcDiscovery', () => {
  it('discovers the jwks_uri, then serves its keys, with one fetch of each for a burst of 200', async () => {
    const source = discover();
    const events = recordEvents();
    const results = await Promise.all(Array.from({ length: 200 }, () => keysFor(source, 'a', events)));
    expect(results.every((keys) => keys[0]!.kid === 'a')).toBe(true);
    expect(server.count(WELL_KNOWN)).toBe(1);
    expect(server.count('/keys')).toBe(1);
    expect(events.of('discovery-fetched')).toEqual([
      { type: 'discovery-fetched', url: server.url(WELL_KNOWN), jwksUri: server.url('/keys'), durationMs: expect.any(Number) },
    ]);
    expect(events.of('keys-fetched')[0]!.url).toBe(server.url('/keys'));
    expect(source.description).toBe(issuer);
    // Later refreshes reuse the discovered jwks_uri.
    advance(COOLDOWN);
    await rejection(source, 'unknown');
    expect(server.count(WELL_KNOWN)).toBe(1);
    expect(server.count('/keys')).toBe(2);
  });

  it('appends the well-known path to an issuer without a trailing slash', async () => {
    server.route('/.well-known/openid-configuration', { body: { issuer: server.origin, jwks_uri: server.url('/keys') } });
    await discover({}, server.origin).warm(recordEvents());
    expect(server.count('/.well-known/openid-configuration')).toBe(1);
    expect(server.count('/keys')).toBe(1);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an issuer that differs by a slash', { issuer: '<issuer-no-slash>', jwks_uri: '<keys>' }, /issuer/],
    ['another issuer', { issuer: 'https://evil.example/', jwks_uri: '<keys>' }, /issuer/],
    ['no jwks_uri', { issuer: '<issuer>' }, /jwks_uri/],
    ['a relative jwks_uri', { issuer: '<issuer>', jwks_uri: '/keys' }, /absolute/],
    ['a file: jwks_uri', { issuer: '<issuer>', jwks_uri: 'file:///etc/passwd' }, /scheme/],
    ['a jwks_uri that is not a string', { issuer: '<issuer>', jwks_uri: ['<keys>'] }, /jwks_uri/],
  ])('refuses a discovery document with %s', async (_name, template, message) => {
    const fill = (value: unknown): unknown =>
      value === '<issuer>'
        ? issuer
        : value === '<issuer-no-slash>'
          ? issuer.slice(0, -1)
          : value === '<keys>'
            ? server.url('/keys')
            : Array.isArray(value)
              ? value.map(fill)
              : value;
    server.route(WELL_KNOWN, { body: Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v)])) });
    const source = discover();
    const events = recordEvents();
    const error = await rejection(source, 'a', events);
    expect(error).toMatchObject({ code: 'ERR_JWKS_UNAVAILABLE' });
    expect(error.message).not.toContain('127.0.0.1');
    const failed = events.of('keys-fetch-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.url).toBe(server.url(WELL_KNOWN));
    expect(failed[0]!.error).toMatchObject({ reason: 'invalid-document' });
    expect(failed[0]!.error.message).toMatch(message);
    expect(server.count('/keys')).toBe(0);
  });

  it('refuses an http jwks_uri for an https issuer, and accepts an https one', async () => {
    const https = 'https://idp.example/';
    const insecure = tableFetch({
      'https://idp.example/.well-known/openid-configuration': { issuer: https, jwks_uri: 'http://idp.example/keys' },
      'http://idp.example/keys': { keys: [keyA] },
    });
    const events = recordEvents();
    await expect(discover({ fetch: insecure }, https).warm(events)).rejects.toThrowError(/https/);
    expect(insecure.urls).toEqual(['https://idp.example/.well-known/openid-configuration']);

    const secure = tableFetch({
      'https://idp.example/.well-known/openid-configuration': { issuer: https, jwks_uri: 'https://keys.idp.example/jwks' },
      'https://keys.idp.example/jwks': { keys: [keyA] },
    });
    const source = discover({ fetch: secure }, https);
    expect((await keysFor(source, 'a'))[0]!.kid).toBe('a');
    expect(secure.urls).toEqual(['https://idp.example/.well-known/openid-configuration', 'https://keys.idp.example/jwks']);
  });

  it('refuses a discovered plain-http jwks_uri to a host that is not loopback, unless allowInsecureHttp', async () => {
    const local = server.url('/tenant/');
    const table = tableFetch({
      [`${local}.well-known/openid-configuration`]: { issuer: local, jwks_uri: 'http://keys.idp.example/jwks' },
      'http://keys.idp.example/jwks': { keys: [keyA] },
    });
    await expect(discover({ fetch: table }, local).warm(recordEvents())).rejects.toThrowError(/"jwks_uri" uses plain http:.*allowInsecureHttp/);
    expect(table.urls).toEqual([`${local}.well-known/openid-configuration`]);
    const source = discover({ fetch: table, allowInsecureHttp: true }, local);
    expect((await keysFor(source, 'a'))[0]!.kid).toBe('a');
  });

  it('shares one deadline between discovery and the JWKS fetch', async () => {
    // Each answers within the time limit on its own, but not both in a row.
    server.route(WELL_KNOWN, { delayMs: 150 });
    server.route('/keys', { delayMs: 350 });
    const events = recordEvents();
    const started = realNow();
    const error = await rejection(discover({ timeoutMs: 400 }), 'a', events);
    const elapsed = realNow() - started;
    expect(error.code).toBe('ERR_JWKS_UNAVAILABLE');
    expect(elapsed).toBeLessThan(1_500);
    expect(events.of('discovery-fetched')).toHaveLength(1);
    expect(events.of('keys-fetch-failed')[0]).toMatchObject({ url: server.url('/keys'), error: { reason: 'timeout' } });

    // With room for both, the same servers work.
    advance(COOLDOWN);
    expect((await keysFor(discover({ timeoutMs: 5_000 }), 'a'))[0]!.kid).toBe('a');
  });

  it('never waits longer than the time limit when discovery hangs', async () => {
    server.route(WELL_KNOWN, { mode: 'hang' });
    const events = recordEvents();
    const started = realNow();
    const error = await rejection(discover({ timeoutMs: 200 }), 'a', events);
    expect(error.code).toBe('ERR_JWKS_UNAVAILABLE');
    expect(realNow() - started).toBeLessThan(600);
    expect(events.of('keys-fetch-failed')[0]).toMatchObject({ url: server.url(WELL_KNOWN), error: { reason: 'timeout' } });
  });

  it('discovers again after a failed refresh, following a JWKS that moved', async () => {
    server.route('/keys', { headers: { 'cache-control': 'max-age=60' } });
    const source = discover();
    const events = recordEvents();
    await source.warm(events);

    // The provider moves its JWKS: the old URL fails, the discovery document points to the new one.
    server.route('/keys', { mode: '503' });
    server.route('/keys-2026', { body: { keys: [keyA] } });
    server.route(WELL_KNOWN, { body: { issuer, jwks_uri: server.url('/keys-2026') } });
    advance(61_000);
    expect((await keysFor(source, 'a', events))[0]!.kid).toBe('a');
    expect(events.of('keys-fetch-failed')).toMatchObject([{ url: server.url('/keys'), staleKeysServed: true }]);

    advance(COOLDOWN);
    expect(Array.isArray(source.getKeys({ kid: 'a', alg: 'ES256' }, events))).toBe(true);
    await vi.waitFor(() => expect(events.of('keys-fetched')).toHaveLength(2));
    expect(server.count(WELL_KNOWN)).toBe(2);
    expect(server.count('/keys-2026')).toBe(1);
    expect(events.of('keys-fetched')[1]!.url).toBe(server.url('/keys-2026'));
  });

  it('reports a failed discovery with its URL and fetches no JWKS', async () => {
    server.route(WELL_KNOWN, { mode: '503' });
    const events = recordEvents();
    const source = discover();
    expect((await rejection(source, 'a', events)).code).toBe('ERR_JWKS_UNAVAILABLE');
    expect(events.of('keys-fetch-failed')[0]).toMatchObject({ url: server.url(WELL_KNOWN), staleKeysServed: false, error: { reason: 'status' } });
    expect(server.count('/keys')).toBe(0);
    const warmError = await source.warm(events).catch((e: unknown) => e);
    expect(warmError).toBeInstanceOf(RemoteDocumentError);
  });

  it('caps the size of the discovery document', async () => {
    server.route(WELL_KNOWN, { body: { issuer, jwks_uri: server.url('/keys'), padding: 'x'.repeat(20_000) } });
    const events = recordEvents();
    await expect(discover({ maxResponseBytes: 10_000 }).warm(events)).rejects.toMatchObject({ reason: 'too-large' });
    expect(server.count('/keys')).toBe(0);
  });

  it.each([
    ['not a url', /absolute/],
    ['ftp://idp.example/', /scheme/],
    ['https://idp.example/?tenant=1', /query or fragment/],
    ['https://idp.example/#x', /query or fragment/],
    [42 as unknown as string, /string/],
  ])('refuses the issuer %s at construction', (value, message) => {
    expect(() => oidcDiscovery(value)).toThrowError(TypeError);
    expect(() => oidcDiscovery(value)).toThrowError(message);
  });

  it('validates options like remoteJwks, naming oidcDiscovery', () => {
    expect(() => oidcDiscovery('https://idp.example/', { timeoutMs: -1 })).toThrowError(/^oidcDiscovery: "timeoutMs"/);
  });
});
