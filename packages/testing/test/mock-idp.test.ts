import { connect } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_AUDIENCE,
  DISCOVERY_PATH,
  GARBAGE_BODY,
  JWKS_PATH,
  createMockIdp,
  generateSigningKey,
  type MockIdp,
  type MockIdpOptions,
} from '@latchkey/testing';

// Every IdP a test starts is closed after it, whatever happened.
const open: MockIdp[] = [];
async function start(options: MockIdpOptions = { algorithms: ['ES256'] }): Promise<MockIdp> {
  const idp = await createMockIdp(options);
  open.push(idp);
  return idp;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((idp) => idp.close()));
});

interface Discovery {
  issuer: string;
  jwks_uri: string;
  [member: string]: unknown;
}
interface Jwks {
  keys: Array<{ kid: string; [member: string]: unknown }>;
}
async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

/** Verifies against the IdP's JWKS over HTTP, with a fresh remote set (no cache carried between calls). */
async function verify(idp: MockIdp, token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { issuer: idp.issuer, audience: DEFAULT_AUDIENCE });
}

describe('createMockIdp: serving', () => {
  it('listens on 127.0.0.1 on a free port and names its URLs', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.issuer).not.toBe(b.issuer);
    expect(a.discoveryUrl).toBe(`${a.issuer}${DISCOVERY_PATH}`);
    expect(a.jwksUri).toBe(`${a.issuer}${JWKS_PATH}`);
  });

  it('serves the discovery document over HTTP', async () => {
    const idp = await start({ algorithms: ['RS256', 'ES256'] });
    const res = await fetch(idp.discoveryUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBeNull();
    const document = (await res.json()) as Discovery;
    expect(document).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    });
    expect(document.token_endpoint).toMatch(new RegExp(`^${idp.issuer}/`));
    expect(document).toEqual(idp.discovery);
  });

  it('serves the public JWKS, and tokens verify through discovery then the JWKS', async () => {
    const idp = await start({ audience: 'https://orders.example', algorithms: ['RS256'] });
    const jwks = await getJson<Jwks>(idp.jwksUri);
    expect(jwks).toEqual({ keys: [idp.currentKey.publicJwk] });
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const { jwks_uri: jwksUri } = await getJson<Discovery>(idp.discoveryUrl);
    const token = await idp.sign({ sub: 'alice' });
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), {
      issuer: idp.issuer,
      audience: 'https://orders.example',
    });
    expect(payload).toMatchObject({ iss: idp.issuer, aud: 'https://orders.example', sub: 'alice' });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: idp.currentKey.kid });
  });

  it('passes token options through and freezes time with now', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const idp = await start({ algorithms: ['ES256'], now, defaults: { scope: 'read:items' }, header: { typ: 'at+jwt' } });
    const token = await idp.sign({}, { expiresInSeconds: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { currentDate: now });
    expect(payload).toMatchObject({ iat: now.getTime() / 1000, exp: now.getTime() / 1000 + 60, scope: 'read:items' });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(idp.claims({ sub: 'x' })).toMatchObject({ iss: idp.issuer, aud: DEFAULT_AUDIENCE, sub: 'x' });
  });

  it('signs with the key of the asked algorithm when it has several', async () => {
    const idp = await start({ algorithms: ['RS256', 'ES256'] });
    const [rsa, ec] = idp.signingKeys;
    expect(idp.jwks.keys.map((key) => key.alg)).toEqual(['RS256', 'ES256']);
    const byDefault = await idp.sign();
    const asked = await idp.sign({}, { alg: 'ES256' });
    expect(decodeProtectedHeader(byDefault)).toMatchObject({ alg: 'RS256', kid: rsa?.kid });
    expect(decodeProtectedHeader(asked)).toMatchObject({ alg: 'ES256', kid: ec?.kid });
    await expect(verify(idp, byDefault)).resolves.toBeTruthy();
    await expect(verify(idp, asked)).resolves.toBeTruthy();
  });

  it('starts with given keys instead of generating', async () => {
    const key = await generateSigningKey('EdDSA', { kid: 'given' });
    const idp = await start({ keys: [key] });
    expect(idp.currentKey).toBe(key);
    expect(decodeProtectedHeader(await idp.sign()).kid).toBe('given');
  });

  it('answers 404 for other paths and 405 for other methods, counting both', async () => {
    const idp = await start();
    expect((await fetch(`${idp.issuer}/authorize`)).status).toBe(404);
    const post = await fetch(idp.jwksUri, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(idp.stats).toEqual({ discoveryRequests: 0, jwksRequests: 1, otherRequests: 1 });
  });
});

describe('MockIdp: keys', () => {
  it('rotates to a new key and keeps the previous one published by default', async () => {
    const idp = await start();
    const before = idp.currentKey;
    const oldToken = await idp.sign();
    const next = await idp.rotate();
    expect(next.kid).not.toBe(before.kid);
    expect(idp.currentKey).toBe(next);
    expect(idp.jwks.keys.map((key) => key.kid)).toEqual([next.kid, before.kid]);
    const newToken = await idp.sign();
    expect(decodeProtectedHeader(newToken).kid).toBe(next.kid);
    await expect(verify(idp, newToken)).resolves.toBeTruthy();
    await expect(verify(idp, oldToken)).resolves.toBeTruthy();
  });

  it('drops the previous key with keepPrevious: false, so its tokens stop verifying', async () => {
    const idp = await start();
    const oldToken = await idp.sign();
    const next = await idp.rotate({ keepPrevious: false });
    const served = await getJson<Jwks>(idp.jwksUri);
    expect(served.keys.map((key) => key.kid)).toEqual([next.kid]);
    await expect(verify(idp, oldToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(verify(idp, await idp.sign())).resolves.toBeTruthy();
  });

  it('rotates every signing algorithm', async () => {
    const idp = await start({ algorithms: ['ES256', 'EdDSA'] });
    const before = idp.signingKeys.map((key) => key.kid);
    await idp.rotate();
    expect(idp.signingKeys.map((key) => key.alg)).toEqual(['ES256', 'EdDSA']);
    expect(idp.signingKeys.some((key) => before.includes(key.kid))).toBe(false);
    expect(idp.publishedKeys).toHaveLength(4);
  });

  it('publishes an extra key without signing with it, and unpublishes by kid', async () => {
    const idp = await start();
    const signing = idp.currentKey;
    const upcoming = await idp.publishKey();
    const given = await idp.publishKey(await generateSigningKey('ES384', { kid: 'es384' }));
    expect(upcoming.alg).toBe('ES256');
    expect(idp.jwks.keys.map((key) => key.kid)).toEqual(['es384', upcoming.kid, signing.kid]);
    expect(decodeProtectedHeader(await idp.sign()).kid).toBe(signing.kid);
    expect(given.kid).toBe('es384');

    const token = await idp.sign();
    expect(idp.unpublish(signing.kid)).toBe(true);
    expect(idp.unpublish(signing.kid)).toBe(false);
    expect(idp.jwks.keys.map((key) => key.kid)).toEqual(['es384', upcoming.kid]);
    await expect(verify(idp, token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});

describe('MockIdp: behaviour on demand', () => {
  it("'down' answers 503 until set back to 'ok'", async () => {
    const idp = await start();
    idp.setBehavior('down');
    const down = await fetch(idp.jwksUri);
    expect(down.status).toBe(503);
    expect(await down.text()).toBe('Service Unavailable');
    expect((await fetch(idp.discoveryUrl)).status).toBe(503);
    idp.setBehavior('ok');
    expect((await fetch(idp.jwksUri)).status).toBe(200);
  });

  it("'garbage' answers 200 with a body that claims JSON and is not", async () => {
    const idp = await start();
    idp.setBehavior('garbage');
    const res = await fetch(idp.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text).toBe(GARBAGE_BODY);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it("'hang' never answers: a fetch times out, and close() still finishes at once", async () => {
    const idp = await start();
    idp.setBehavior('hang');
    const started = performance.now();
    await expect(fetch(idp.jwksUri, { signal: AbortSignal.timeout(150) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(idp.stats.jwksRequests).toBe(1);

    // A second request left hanging while the IdP closes: close() must not wait for it.
    const pending = fetch(idp.jwksUri).catch((error: unknown) => error);
    await vi.waitFor(() => expect(idp.stats.jwksRequests).toBe(2));
    const closing = performance.now();
    await idp.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(TypeError); // undici: "fetch failed", the socket was destroyed
  });

  it("'stall' sends headers and half the body: reading the body times out, and close() still finishes", async () => {
    const idp = await start();
    idp.setBehavior('stall', { endpoint: 'jwks' });
    const controller = new AbortController();
    const res = await fetch(idp.jwksUri, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(JSON.stringify(idp.jwks).length);
    setTimeout(() => controller.abort(new DOMException('body too slow', 'TimeoutError')), 150);
    await expect(res.text()).rejects.toMatchObject({ name: 'TimeoutError' });
    const closing = performance.now();
    await idp.close();
    expect(performance.now() - closing).toBeLessThan(1000);
  });

  it('{ delayMs } answers the normal document late', async () => {
    const idp = await start();
    idp.setBehavior({ delayMs: 200 });
    const started = performance.now();
    const res = await fetch(idp.jwksUri);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(await res.json()).toEqual(idp.jwks);
  });

  it('close() cancels delayed answers instead of waiting for them', async () => {
    const idp = await start();
    idp.setBehavior({ delayMs: 10_000 });
    const pending = fetch(idp.jwksUri).catch((error: unknown) => error);
    await vi.waitFor(() => expect(idp.stats.jwksRequests).toBe(1));
    const closing = performance.now();
    await idp.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it('a response object sends any status, body and headers, e.g. a redirect', async () => {
    const idp = await start();
    idp.setBehavior({ status: 302, headers: { location: 'http://169.254.169.254/latest' } }, { endpoint: 'jwks' });
    const res = await fetch(idp.jwksUri, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://169.254.169.254/latest');
    idp.setBehavior({ body: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, { endpoint: 'jwks' });
    expect(await (await fetch(idp.jwksUri)).json()).toEqual({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] });
  });

  it('limits a behaviour to one endpoint when asked', async () => {
    const idp = await start();
    idp.setBehavior('down', { endpoint: 'jwks' });
    expect((await fetch(idp.discoveryUrl)).status).toBe(200);
    expect((await fetch(idp.jwksUri)).status).toBe(503);
  });

  it('refuses an unknown behaviour or endpoint', async () => {
    const idp = await start();
    // @ts-expect-error not a behaviour
    expect(() => idp.setBehavior('flaky')).toThrow(TypeError);
    expect(() => idp.setBehavior({ delayMs: -1 })).toThrow(/"delayMs"/);
    // @ts-expect-error not an endpoint
    expect(() => idp.setBehavior('down', { endpoint: 'token' })).toThrow(/"endpoint"/);
  });
});

describe('MockIdp: headers, metadata and counters', () => {
  it('sends Cache-Control as configured, and as changed later', async () => {
    const idp = await start({ algorithms: ['ES256'], cacheControl: 'max-age=600' });
    expect((await fetch(idp.jwksUri)).headers.get('cache-control')).toBe('max-age=600');
    idp.cacheControl = 'no-store';
    expect((await fetch(idp.discoveryUrl)).headers.get('cache-control')).toBe('no-store');
    idp.cacheControl = undefined;
    expect((await fetch(idp.jwksUri)).headers.get('cache-control')).toBeNull();
  });

  it('overrides and removes discovery members', async () => {
    const idp = await start({ algorithms: ['ES256'], metadata: { issuer: 'https://impostor.example' } });
    expect((await getJson<Discovery>(idp.discoveryUrl)).issuer).toBe('https://impostor.example');
    idp.metadata = { jwks_uri: undefined };
    const document = await getJson<Discovery>(idp.discoveryUrl);
    expect(document.issuer).toBe(idp.issuer);
    expect(document).not.toHaveProperty('jwks_uri');
  });

  it('lists the requests it received, with their headers', async () => {
    const idp = await start();
    await fetch(`${idp.jwksUri}?v=1`, { headers: { accept: 'application/json', 'user-agent': 'latchkey-test' } });
    await fetch(`${idp.issuer}/favicon.ico`);
    expect(idp.requests).toEqual([
      {
        endpoint: 'jwks',
        method: 'GET',
        url: `${JWKS_PATH}?v=1`,
        headers: expect.objectContaining({ accept: 'application/json', 'user-agent': 'latchkey-test' }),
      },
      { endpoint: undefined, method: 'GET', url: '/favicon.ico', headers: expect.any(Object) },
    ]);
    idp.resetStats();
    expect(idp.requests).toEqual([]);
  });

  it('counts requests per endpoint, whatever the behaviour, and resets', async () => {
    const idp = await start();
    await Promise.all([fetch(idp.jwksUri), fetch(idp.jwksUri), fetch(idp.discoveryUrl)]);
    idp.setBehavior('down');
    await fetch(idp.jwksUri);
    expect(idp.stats).toEqual({ discoveryRequests: 1, jwksRequests: 3, otherRequests: 0 });
    idp.resetStats();
    expect(idp.stats).toEqual({ discoveryRequests: 0, jwksRequests: 0, otherRequests: 0 });
  });
});

describe('MockIdp: lifecycle', () => {
  it('close() stops the server and can be called twice', async () => {
    const idp = await start();
    await fetch(idp.jwksUri); // leaves a keep-alive socket open
    await idp.close();
    await idp.close();
    await expect(fetch(idp.jwksUri)).rejects.toBeInstanceOf(TypeError);
  });

  it('closes itself at the end of an await using block', async () => {
    let issuer: string;
    {
      await using idp = await createMockIdp({ algorithms: ['ES256'] });
      issuer = idp.issuer;
      expect((await fetch(idp.jwksUri)).status).toBe(200);
    }
    await expect(fetch(`${issuer}${JWKS_PATH}`)).rejects.toBeInstanceOf(TypeError);
  });

  it('checks its options at start', async () => {
    // @ts-expect-error HS256 is not asymmetric
    await expect(createMockIdp({ algorithms: ['HS256'] })).rejects.toThrow(/"algorithms"/);
    await expect(createMockIdp({ keys: [] })).rejects.toThrow(/"keys"/);
    await expect(createMockIdp({ algorithms: ['ES256'], audience: '' })).rejects.toThrow(/"audience"/);
  });
});

/** Sends raw bytes on a fresh connection and resolves with everything the server wrote before closing it. */
function rawRequest(issuer: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(issuer);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(bytes));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('MockIdp: options are checked, unknown keys included', () => {
  it('refuses unknown createMockIdp options, arrays and null, suggesting the intended name', async () => {
    // @ts-expect-error algorithm is not an option
    await expect(createMockIdp({ algorithm: ['ES256'] })).rejects.toThrow(
      new TypeError('createMockIdp: unknown option "algorithm" in options; did you mean "algorithms"?'),
    );
    // @ts-expect-error cachecontrol is not an option
    await expect(createMockIdp({ cachecontrol: 'no-store' })).rejects.toThrow(/did you mean "cacheControl"\?/);
    // @ts-expect-error an array is not options
    await expect(createMockIdp([])).rejects.toThrow(new TypeError('createMockIdp: options must be an object, got an array'));
    // @ts-expect-error null is not options
    await expect(createMockIdp(null)).rejects.toThrow(/options must be an object, got null/);
    // @ts-expect-error an array would add discovery members "0", "1"...
    await expect(createMockIdp({ metadata: ['x'] })).rejects.toThrow(/"metadata" must be an object of discovery members, got an array/);
    // @ts-expect-error not a key
    await expect(createMockIdp({ keys: [{}] })).rejects.toThrow(/"keys" must be a key from generateSigningKey/);
  });

  it('refuses unknown or mistyped options of rotate, sign and setBehavior, and a non-object metadata', async () => {
    const idp = await start();
    const kid = idp.currentKey.kid;
    // @ts-expect-error keepPrev is not an option
    await expect(idp.rotate({ keepPrev: false })).rejects.toThrow(new TypeError('rotate: unknown option "keepPrev" in options; did you mean "keepPrevious"?'));
    // @ts-expect-error null is not options
    await expect(idp.rotate(null)).rejects.toThrow(/rotate: options must be an object, got null/);
    // @ts-expect-error a string is not a boolean: "false" would have kept the keys
    await expect(idp.rotate({ keepPrevious: 'false' })).rejects.toThrow(/"keepPrevious" must be a boolean/);
    expect(idp.currentKey.kid).toBe(kid); // nothing rotated
    // @ts-expect-error an array is not options
    await expect(idp.sign({}, ['x'])).rejects.toThrow(/sign: options must be an object, got an array/);
    // @ts-expect-error delay is not an option
    expect(() => idp.setBehavior({ delay: 5000 })).toThrow('setBehavior: unknown option "delay" in the response object; did you mean "delayMs"?');
    // @ts-expect-error an array is not a response
    expect(() => idp.setBehavior([])).toThrow(/behavior must be .* or a response object, got an array/);
    // @ts-expect-error endpont is not an option
    expect(() => idp.setBehavior('down', { endpont: 'jwks' })).toThrow(/unknown option "endpont" in options; did you mean "endpoint"\?/);
    // @ts-expect-error null is not options
    expect(() => idp.setBehavior('down', null)).toThrow(/setBehavior: options must be an object, got null/);
    // @ts-expect-error an array would add discovery members "0", "1"...
    expect(() => (idp.metadata = ['x'])).toThrow(/"metadata" must be an object of discovery members, got an array/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => idp.setBehavior({ body: cycle })).toThrow(/"body" must be JSON-serialisable/);
    expect((await fetch(idp.jwksUri)).status).toBe(200); // every refused call left the IdP as it was
  });

  it('publishKey refuses something that is not a key, instead of serving null in the JWKS', async () => {
    const idp = await start();
    // @ts-expect-error not a key
    await expect(idp.publishKey({})).rejects.toThrow(new TypeError('publishKey: the key must be a key from generateSigningKey'));
    // @ts-expect-error not an asymmetric algorithm
    await expect(idp.publishKey('HS256')).rejects.toThrow(/publishKey: the algorithm must be asymmetric/);
    expect(await getJson<Jwks>(idp.jwksUri)).toEqual({ keys: [idp.currentKey.publicJwk] });
  });
});

describe('MockIdp: hardening of the server', () => {
  it('checks response headers when they are set, so serving never throws ERR_INVALID_CHAR', async () => {
    await expect(start({ algorithms: ['ES256'], cacheControl: 'max-age=60\r\nx-injected: 1' })).rejects.toThrow(
      /createMockIdp: "cacheControl" is not a valid header value/,
    );
    const idp = await start();
    expect(() => (idp.cacheControl = 'no-store\n')).toThrow(/MockIdp: "cacheControl" is not a valid header value/);
    expect(() => idp.setBehavior({ headers: { 'x-a': 'one\r\ntwo' } })).toThrow(/setBehavior: "headers": the value of "x-a" is not a valid header value/);
    expect(() => idp.setBehavior({ headers: { 'bad name': 'x' } })).toThrow(/setBehavior: "headers": "bad name" is not a valid header name/);
    // @ts-expect-error headers are an object of strings
    expect(() => idp.setBehavior({ headers: 5 })).toThrow(/setBehavior: "headers" must be an object of header names to values, got a number/);
    // @ts-expect-error header values are strings
    expect(() => idp.setBehavior({ headers: { 'x-n': 5 } })).toThrow(/the value of "x-n" must be a string, got a number/);
    const res = await fetch(idp.jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBeNull();
  });

  it('refuses a delayMs beyond what a Node timer can wait, which would answer at once', async () => {
    const idp = await start();
    expect(() => idp.setBehavior({ delayMs: 2 ** 31 })).toThrow(new TypeError('setBehavior: "delayMs" must be at most 2147483647 (about 24.8 days)'));
    expect(() => idp.setBehavior({ delayMs: 2 ** 31 - 1 }, { endpoint: 'discovery' })).not.toThrow();
    expect((await fetch(idp.jwksUri)).status).toBe(200);
  });

  it('answers 400 to a request target that is not a URL, and keeps serving', async () => {
    const idp = await start();
    const answer = await rawRequest(idp.issuer, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('{"error":"bad_request"}');
    expect(idp.requests).toEqual([{ endpoint: undefined, method: 'GET', url: 'http://[', headers: expect.any(Object) }]);
    expect(idp.stats.otherRequests).toBe(1);
    // The process survived and the same server still answers, raw and through fetch.
    expect(await rawRequest(idp.issuer, `GET ${JWKS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
    expect(await getJson<Jwks>(idp.jwksUri)).toEqual(idp.jwks);
  });

  it('keeps the latest 1,000 requests in its log, while stats count them all', async () => {
    const idp = await start();
    for (let batch = 0; batch < 21; batch++) {
      await Promise.all(Array.from({ length: 50 }, async (_, index) => (await fetch(`${idp.issuer}/r${batch * 50 + index}`)).arrayBuffer()));
    }
    expect(idp.stats.otherRequests).toBe(1050);
    const urls = idp.requests.map((request) => request.url);
    expect(urls).toHaveLength(1000);
    expect(new Set(urls)).toEqual(new Set(Array.from({ length: 1000 }, (_, index) => `/r${index + 50}`)));
  }, 30_000);
});
