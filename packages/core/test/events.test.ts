/**
 * Issue 9, "events a team can operate on": every event type, fed by real tokens over a real JWKS and
 * discovery endpoint, through the request authenticator the adapters use. None may carry a token, a
 * signature or a secret; neither may a log line or an error message.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import {
  createVerifier,
  hmacSecrets,
  logEvents,
  oidcDiscovery,
  remoteJwks,
  requireScopes,
  type LatchkeyEvent,
  type LoggerLike,
  type VerifiedToken,
  type Verifier,
} from '../src/index.js';
import { createRequestAuthenticator, type RequestAuthenticator, type RequestReader } from '../src/adapter.js';
import { b64 } from './helpers/tokens.js';
import { startServer, type TestServer } from './helpers/jwks-server.js';

interface FakeRequest {
  readonly authorization?: string;
  readonly url: string;
}

// A request as an adapter sees it; the path reader drops the query, as every adapter's does.
const reader: RequestReader<FakeRequest> = {
  rawHeaders: (request) => (request.authorization === undefined ? [] : ['Authorization', request.authorization]),
  method: () => 'GET',
  path: (request) => request.url.split('?', 1)[0]!,
  query: (request) => Object.fromEntries(new URL(request.url, 'http://x').searchParams),
};

const SECRET = 'correct-horse-battery-staple-0123456789-abcdef';

function hs256(payload: Record<string, unknown>): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

/** Runs a request to its end, whatever it throws, and keeps what the client would see. */
async function attempt(authenticator: RequestAuthenticator<never, FakeRequest>, request: FakeRequest, rules = false): Promise<string> {
  try {
    const auth = await authenticator.authenticate(request);
    if (rules) await authenticator.guard([requireScopes('admin')])(auth as VerifiedToken<never> | null, request);
    return 'ok';
  } catch (error) {
    const { message, headers } = error as { message: string; headers?: Record<string, string> };
    return `${message} ${JSON.stringify(headers ?? {})} ${JSON.stringify(error)}`;
  }
}

describe('events and logs never carry a token, a signature or a secret', () => {
  let idp: MockIdp;
  let odd: TestServer;
  const events: LatchkeyEvent[] = [];
  const logLines: string[] = [];
  const tokens: string[] = [];
  const seenByClients: string[] = [];
  const logger = Object.fromEntries(
    (['debug', 'info', 'warn', 'error'] as const).map((level) => [
      level,
      (object: object, message: string) => void logLines.push(`${level} ${message} ${JSON.stringify(object)}`),
    ]),
  ) as LoggerLike;
  const log = logEvents(logger);
  const onEvent = (event: LatchkeyEvent): void => {
    events.push(event);
    log(event);
  };

  beforeAll(async () => {
    idp = await createMockIdp({ audience: 'api' });
    odd = await startServer();
  });
  afterAll(async () => {
    await idp.close();
    await odd.close();
  });

  it('feeds real tokens through every event type', async () => {
    const verifier = createVerifier({
      keys: oidcDiscovery(idp.issuer, { cooldownMs: 0 }),
      algorithms: ['RS256'],
      issuer: idp.issuer,
      audience: 'api',
      onEvent,
    });
    const authenticator = createRequestAuthenticator<never, FakeRequest>({ verifier: verifier as Verifier<never>, allowQueryToken: true }, reader);
    const run = async (request: FakeRequest, rules = false): Promise<void> => void seenByClients.push(await attempt(authenticator, request, rules));
    const bearer = (token: string): FakeRequest => (tokens.push(token), { authorization: `Bearer ${token}`, url: '/items' });

    await run(bearer(await idp.sign({ sub: 'alice', scope: 'read' }))); // discovery-fetched, keys-fetched, token-verified
    await run(bearer(await idp.sign({ sub: 'alice', scope: 'read' })), true); // refused (guard)
    await run({ url: '/items' }); // refused (credentials)
    await run({ authorization: 'Bearer', url: '/items' }); // refused (credentials, malformed)
    await run(bearer(await idp.sign({ sub: 'alice' }, { ageSeconds: 3600 }))); // refused (expired)
    await run(bearer(await idp.sign({ sub: 'alice', aud: 'elsewhere' }))); // refused (aud), detail
    await run(bearer(await idp.sign({ sub: 'alice', iss: 'https://impostor.example/' }))); // refused (iss), detail
    const queryToken = await idp.sign({ sub: 'carol' });
    tokens.push(queryToken);
    await run({ url: `/items?access_token=${queryToken}` }); // a token in the URL never reaches the event's path
    await run(bearer(await idp.sign({ sub: 'alice' }, { header: { kid: 'not-published' } }))); // unknown-kid, refused (kid), detail
    idp.setBehavior('down');
    await run(bearer(await idp.sign({ sub: 'alice' }, { header: { kid: 'still-not-published' } }))); // keys-fetch-failed
    idp.setBehavior('ok');

    // key-skipped and keys-truncated: a JWK Set with a key nobody may use, and more keys than allowed.
    odd.route('/jwks', { body: { keys: [{ kty: 'oct', k: b64(SECRET), kid: 'secret-in-a-jwks' }, ...idp.jwks.keys, ...idp.jwks.keys] } });
    const oddVerifier = createVerifier({
      keys: remoteJwks(odd.url('/jwks'), { maxKeys: 2 }),
      algorithms: ['RS256'],
      issuer: idp.issuer,
      audience: 'api',
      onEvent,
    });
    await oddVerifier.warm();

    // A shared secret: success and failure.
    const hmac = createVerifier({ keys: hmacSecrets(SECRET), algorithms: ['HS256'], issuer: 'hs', audience: 'api', onEvent });
    const hmacAuth = createRequestAuthenticator<never, FakeRequest>({ verifier: hmac as Verifier<never> }, reader);
    const good = hs256({ iss: 'hs', aud: 'api', exp: Math.floor(Date.now() / 1000) + 60 });
    seenByClients.push(await attempt(hmacAuth, bearer(good)));
    seenByClients.push(await attempt(hmacAuth, bearer(`${good.slice(0, -4)}AAAA`)));

    const types = new Set(events.map((event) => event.type));
    expect([...types].sort()).toEqual([
      'discovery-fetched',
      'key-skipped',
      'keys-fetch-failed',
      'keys-fetched',
      'keys-truncated',
      'refused',
      'token-verified',
      'unknown-kid',
    ]);
    const refused = events.filter((event): event is Extract<LatchkeyEvent, { type: 'refused' }> => event.type === 'refused');
    expect(new Set(refused.map((event) => event.stage))).toEqual(new Set(['credentials', 'token', 'guard']));
    expect(refused.every((event) => event.request?.method === 'GET' && event.request.path === '/items')).toBe(true);
    // Server-only detail: what was expected and what came.
    expect(refused.find((event) => event.claim === 'aud')?.detail).toBe('expected "api", received "elsewhere"');
    expect(refused.find((event) => event.code === 'ERR_JWT_ISSUER_NOT_ALLOWED')?.detail).toBe(
      `expected ${JSON.stringify(idp.issuer)}, received "https://impostor.example/"`,
    );
    expect(refused.find((event) => event.code === 'ERR_JWKS_NO_MATCHING_KEY')?.detail).toMatch(/^kid "not-published" \("RS256"\) is not in the key set$/);
    expect(events.find((event) => event.type === 'token-verified')).toMatchObject({
      durationMs: expect.any(Number),
      request: { method: 'GET', path: '/items' },
    });
    expect(logLines.length).toBe(events.length);

    const everything = [
      JSON.stringify(events, (_key, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value)),
      ...logLines,
      ...seenByClients,
    ].join('\n');
    for (const token of tokens) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.split('.')[2]);
    }
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(b64(SECRET));
    // The detail stays on the server: not in what a client is sent.
    expect(seenByClients.join('\n')).not.toContain('elsewhere');
    expect(seenByClients.join('\n')).not.toContain('impostor');
  });
});

describe('events cost nothing without a listener and can never break a request', () => {
  let idp: MockIdp;
  beforeAll(async () => {
    idp = await createMockIdp({ audience: 'api' });
  });
  afterAll(() => idp.close());

  it('times nothing when nobody listens: the clock reads of events happen only with a listener', async () => {
    const build = (onEvent?: (event: LatchkeyEvent) => void) =>
      createRequestAuthenticator<never, FakeRequest>(
        { verifier: createVerifier({ keys: remoteJwks(idp.jwksUri), algorithms: ['RS256'], issuer: idp.issuer, audience: 'api', onEvent }) as Verifier<never> },
        reader,
      );
    const silent = build();
    const listening = build(() => {});
    const token = await idp.sign({ sub: 'alice' });
    const request = { authorization: `Bearer ${token}`, url: '/' };
    await silent.authenticate(request);
    await listening.authenticate(request);
    const now = vi.spyOn(performance, 'now');
    try {
      // Keys at hand: the whole authentication is synchronous, no promise at all.
      expect(silent.authenticate(request)).toMatchObject({ payload: { sub: 'alice' } });
      const withoutListener = now.mock.calls.length;
      now.mockClear();
      expect(listening.authenticate(request)).toMatchObject({ payload: { sub: 'alice' } });
      // The key source reads the clock for its freshness either way; events add a start and an end.
      expect(now.mock.calls.length - withoutListener).toBe(2);
      now.mockClear();
      expect(() => silent.authenticate({ url: '/' })).toThrow(expect.objectContaining({ code: 'ERR_BEARER_MISSING' }));
      expect(now).not.toHaveBeenCalled();
    } finally {
      now.mockRestore();
    }
  });

  it('a throwing handler or adapter hook is reported once and the request goes on', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const verifier = createVerifier({
        keys: remoteJwks(idp.jwksUri),
        algorithms: ['RS256'],
        issuer: idp.issuer,
        audience: 'api',
        onEvent: () => {
          throw new Error('handler bug');
        },
      });
      const hook = vi.fn(() => {
        throw new Error('hook bug');
      });
      const authenticator = createRequestAuthenticator<never, FakeRequest>({ verifier: verifier as Verifier<never> }, reader, { onEvent: hook });
      const token = await idp.sign({ sub: 'alice' });
      await expect(Promise.resolve(authenticator.authenticate({ authorization: `Bearer ${token}`, url: '/' }))).resolves.toMatchObject({
        payload: { sub: 'alice' },
      });
      await expect(Promise.resolve(authenticator.authenticate({ authorization: `Bearer ${token}`, url: '/' }))).resolves.toMatchObject({
        payload: { sub: 'alice' },
      });
      expect(() => authenticator.authenticate({ url: '/' })).toThrow(expect.objectContaining({ code: 'ERR_BEARER_MISSING' }));
      expect(hook).toHaveBeenCalled();
      expect(spy).toHaveBeenCalledTimes(2); // once for the handler, once for the hook
    } finally {
      spy.mockRestore();
    }
  });
});
