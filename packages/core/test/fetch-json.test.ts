import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchJson, RemoteDocumentError, type FetchLike } from '../src/jwks/fetch-json.js';
import { startServer, type TestServer } from './helpers/jwks-server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const MAX = 64 * 1024;
const options = (timeoutMs = 2_000) => ({ signal: AbortSignal.timeout(timeoutMs), maxResponseBytes: MAX });

async function failure(promise: Promise<unknown>): Promise<RemoteDocumentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteDocumentError);
  return error as RemoteDocumentError;
}

describe('fetchJson', () => {
  it('returns the parsed body and the caching headers, and asks for JSON', async () => {
    server.route('/doc', { body: { keys: [1, 2] }, headers: { 'cache-control': 'max-age=60', age: '5', expires: 'Thu, 01 Jan 2099 00:00:00 GMT' } });
    const result = await fetchJson(server.url('/doc'), options());
    expect(result.body).toEqual({ keys: [1, 2] });
    expect(result.headers).toMatchObject({ cacheControl: 'max-age=60', age: '5', expires: 'Thu, 01 Jan 2099 00:00:00 GMT' });
    expect(result.headers.date).toEqual(expect.any(String));
    expect(server.requests[0]!.headers.accept).toBe('application/json');
  });

  it('sends extra headers, which may replace accept', async () => {
    server.route('/doc', { body: {} });
    await fetchJson(server.url('/doc'), { ...options(), headers: { 'x-api-key': 'k1', Accept: 'application/jwk-set+json' } });
    expect(server.requests[0]!.headers['x-api-key']).toBe('k1');
    expect(server.requests[0]!.headers.accept).toBe('application/jwk-set+json');
  });

  it('uses an injected fetch, passing redirect: manual and the signal', async () => {
    server.route('/doc', { body: { via: 'custom' } });
    const spy = vi.fn<FetchLike>((url, init) => fetch(url, init));
    const result = await fetchJson(server.url('/doc'), { ...options(), fetch: spy });
    expect(result.body).toEqual({ via: 'custom' });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![1]).toMatchObject({ method: 'GET', redirect: 'manual' });
    expect(spy.mock.calls[0]![1].signal).toBeInstanceOf(AbortSignal);
  });

  it('refuses non-http(s) URLs without fetching', async () => {
    const spy = vi.fn<FetchLike>();
    for (const url of ['file:///etc/passwd', 'ftp://example.com/jwks', 'data:application/json,{}', 'not a url']) {
      const error = await failure(fetchJson(url, { ...options(), fetch: spy }));
      expect(error.reason).toBe('url');
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('treats a non-2xx status as an error', async () => {
    server.route('/doc', { mode: '503' });
    const error = await failure(fetchJson(server.url('/doc'), options()));
    expect(error.reason).toBe('status');
    expect(error.message).toContain('503');
    expect(error.url).toBe(server.url('/doc'));
  });

  it('never follows a redirect', async () => {
    server.route('/doc', { mode: 'redirect', redirectTo: server.url('/target') });
    server.route('/target', { body: { keys: [] } });
    const error = await failure(fetchJson(server.url('/doc'), options()));
    expect(error.reason).toBe('redirect');
    expect(server.count('/target')).toBe(0);
  });

  it('refuses a body that is not JSON', async () => {
    server.route('/doc', { mode: 'garbage' });
    expect((await failure(fetchJson(server.url('/doc'), options()))).reason).toBe('not-json');
  });

  it('refuses a body that is not UTF-8', async () => {
    const latin1 = new Response(Buffer.from([0x22, 0xe9, 0x22]), { status: 200 });
    const error = await failure(fetchJson('https://idp.example/doc', { ...options(), fetch: async () => latin1 }));
    expect(error.reason).toBe('not-json');
  });

  it('refuses an empty body', async () => {
    const empty = new Response(null, { status: 200 });
    expect((await failure(fetchJson('https://idp.example/doc', { ...options(), fetch: async () => empty }))).reason).toBe('not-json');
  });

  it('stops reading a body past the size cap (no Content-Length)', async () => {
    server.route('/doc', { mode: 'huge' });
    const error = await failure(fetchJson(server.url('/doc'), options(2_000)));
    expect(error.reason).toBe('too-large');
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    // The server sends a few bytes and stalls: only the early check can answer before the deadline.
    server.route('/doc', { mode: 'huge-declared' });
    const started = performance.now();
    const error = await failure(fetchJson(server.url('/doc'), options(2_000)));
    expect(error.reason).toBe('too-large');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('times out when the server never answers', async () => {
    server.route('/doc', { mode: 'hang' });
    const started = performance.now();
    const error = await failure(fetchJson(server.url('/doc'), options(200)));
    expect(error.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('times out when the body stalls after the headers (one deadline for both)', async () => {
    server.route('/doc', { mode: 'slow', body: { keys: ['x'.repeat(1000)] } });
    const started = performance.now();
    const error = await failure(fetchJson(server.url('/doc'), options(200)));
    expect(error.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('keeps the deadline even when an injected fetch ignores the signal', async () => {
    let signal: AbortSignal | undefined;
    const never: FetchLike = (_url, init) => {
      signal = init.signal;
      return new Promise(() => {});
    };
    const started = performance.now();
    const error = await failure(fetchJson('https://idp.example/doc', { ...options(150), fetch: never }));
    expect(error.reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_000);
    // The fetch was handed the deadline itself, so a well-behaved one frees its connection.
    expect(signal?.aborted).toBe(true);
  });

  it('reports a refused connection as a network error', async () => {
    const url = server.url('/doc');
    await server.close();
    server = await startServer();
    const error = await failure(fetchJson(url, options()));
    expect(error.reason).toBe('network');
  });

  it('reports an injected fetch that throws synchronously as a network error', async () => {
    const broken: FetchLike = () => {
      throw new Error('proxy misconfigured');
    };
    const error = await failure(fetchJson('https://idp.example/doc', { ...options(), fetch: broken }));
    expect(error.reason).toBe('network');
    expect(error.message).toContain('proxy misconfigured');
  });
});
