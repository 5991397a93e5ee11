/**
 * The built client in real Chromium against a real issuer on 127.0.0.1: single refresh for concurrent
 * calls, cross-tab coordination that never presents a spent refresh token, and logout.
 */
import type { BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as ClientModule from '../src/index.js';
import { launchChromium, type LaunchedBrowser } from './chromium.js';
import { startTestIssuer, type TestIssuer } from './server.js';

declare global {
  interface Window {
    latchkey: typeof ClientModule;
    client: ClientModule.LatchkeyClient;
  }
}

let chromium: LaunchedBrowser;
let issuer: TestIssuer;
let context: BrowserContext;

beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
});
afterEach(async () => {
  await context?.close();
  await issuer?.close();
});

async function open(options: ClientModule.LatchkeyClientOptions = {}): Promise<Page> {
  const page = await context.newPage();
  await page.goto(issuer.url);
  await page.waitForFunction(() => document.title === 'ready');
  await page.evaluate((opts) => {
    window.client = window.latchkey.createClient(opts);
  }, options);
  return page;
}

const login = (page: Page) => page.evaluate(() => window.client.login('alice', 'wonderland'));
/** Logs in and returns the refresh token as it crossed the wire (page code never exposes it). */
async function loginCapturingRefreshToken(page: Page): Promise<string> {
  const response = page.waitForResponse((r) => r.url().endsWith('/api/token/'));
  await login(page);
  return ((await (await response).json()) as { refresh: string }).refresh;
}
const callApi = (page: Page) =>
  page.evaluate(async () => {
    const response = await window.client.fetch('/api/items');
    return { status: response.status, body: (await response.json()) as unknown };
  });
const refreshes = () => issuer.tokenRequests.filter((path) => path === '/api/token/refresh/').length;
const revoked = () => issuer.events.filter((event) => event.type === 'family.revoked' || event.type === 'refresh.reuse_detected');

/**
 * Starts a refresh in `page` whose answer the issuer gives at once but the page gets 400 ms later, and
 * resolves once the issuer has answered: a logout made then races a refresh already done at the issuer.
 */
async function refreshAnsweredLate(page: Page): Promise<{ answered: Promise<Response>; refreshing: Promise<string> }> {
  let issuerAnswered!: () => void;
  const refreshedAtIssuer = new Promise<void>((resolve) => (issuerAnswered = resolve));
  await page.route('**/api/token/refresh/', async (route) => {
    const response = await route.fetch();
    issuerAnswered();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.fulfill({ response });
  });
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/token/refresh/'));
  const refreshing = page.evaluate(() =>
    window.client.refresh().then(
      () => 'ok',
      (e: ClientModule.LatchkeyClientError) => e.code,
    ),
  );
  await refreshedAtIssuer;
  return { answered, refreshing };
}

async function start(accessTokenLifetimeSeconds?: number, cookieMode = false, dpop: boolean | 'nonce' = false) {
  issuer = await startTestIssuer({ accessTokenLifetimeSeconds, cookieMode, dpop });
  context = await chromium.browser.newContext();
}

describe('one tab', () => {
  it('logs in, keeps tokens out of storage, and calls the API with the bearer token', async () => {
    await start();
    const page = await open();
    await login(page);
    expect(await callApi(page)).toEqual({ status: 200, body: { items: ['a', 'b'], user: '1' } });
    const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
    expect(storage).toEqual({ local: 0, session: 0, cookie: '' });
  });

  it('refuses a wrong password with a typed error', async () => {
    await start();
    const page = await open();
    const error = await page.evaluate(() =>
      window.client.login('alice', 'nope').then(
        () => undefined,
        (e: ClientModule.LatchkeyClientError) => ({ name: e.name, code: e.code, status: e.status }),
      ),
    );
    expect(error).toEqual({ name: 'LatchkeyClientError', code: 'login_failed', status: 401 });
  });

  it('twenty concurrent calls after a 401 token_not_valid share ONE refresh and all succeed', async () => {
    await start();
    const page = await open();
    await login(page);
    issuer.rejected.add(await page.evaluate(() => window.client.accessToken()));
    const results = await page.evaluate(() => Promise.all(Array.from({ length: 20 }, () => window.client.fetch('/api/items').then((r) => r.status))));
    expect(results).toEqual(Array(20).fill(200));
    expect(refreshes()).toBe(1);
    expect(revoked()).toEqual([]);
  });

  it('refreshes ahead of expiry: concurrent calls on an expiring token make one refresh, no 401 seen', async () => {
    // A 6 s token under the default 30 s margin: the margin is capped at half the token's life (3 s), so a
    // new token is not "expiring" (which would refresh on every call), and one past half its life is.
    await start(6);
    const page = await open();
    await login(page);
    expect((await callApi(page)).status).toBe(200);
    expect(refreshes()).toBe(0);
    await page.waitForTimeout(3300);
    const results = await page.evaluate(() => Promise.all(Array.from({ length: 10 }, () => window.client.fetch('/api/items').then((r) => r.status))));
    expect(results).toEqual(Array(10).fill(200));
    expect(refreshes()).toBe(1);
    expect((await callApi(page)).status).toBe(200);
    expect(refreshes()).toBe(1);
  });

  it('sends the access token to its own origins only: another origin is refused before any request', async () => {
    await start();
    const elsewhere: Array<string | null> = [];
    const page = await open();
    await page.route('http://api.other.test/**', (route) => {
      elsewhere.push(route.request().headers().authorization ?? null);
      return route.fulfill({ status: 200, contentType: 'application/json', body: '{}', headers: { 'access-control-allow-origin': '*' } });
    });
    await login(page);
    const refused = await page.evaluate(() =>
      window.client.fetch('http://api.other.test/items').then(
        () => 'sent',
        (e: ClientModule.LatchkeyClientError) => e.code,
      ),
    );
    expect([refused, elsewhere]).toEqual(['origin_not_allowed', []]);
    // Allowed by name, it gets the token (plain fetch, no credentials: no preflight is needed for the answer).
    const status = await page.evaluate(async () => {
      const allowed = window.latchkey.createClient({ allowedOrigins: ['http://api.other.test'], coordinationName: 'other' });
      await allowed.login('alice', 'wonderland');
      return (await allowed.fetch('http://api.other.test/items')).status;
    });
    expect(status).toBe(200);
    expect(elsewhere).toHaveLength(1);
    expect(elsewhere[0]).toMatch(/^Bearer ey/);
  });

  it('stays logged out when logout comes while a refresh is on the wire, and blacklists the refresh that answered', async () => {
    await start();
    const page = await open();
    await login(page);
    const { answered, refreshing } = await refreshAnsweredLate(page);
    await page.evaluate(() => window.client.logout());
    const { refresh: successor } = (await (await answered).json()) as { refresh: string };
    expect(await refreshing).toBe('not_logged_in');
    expect(await page.evaluate(() => window.client.loggedIn)).toBe(false);
    // The successor the late answer carried is blacklisted too: it cannot be used to come back.
    await expect.poll(() => issuer.tokenRequests.filter((path) => path === '/api/token/blacklist/').length, { timeout: 3000 }).toBe(2);
    const replay = await fetch(`${issuer.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: successor }),
    });
    expect(replay.status).toBe(401);
  });

  it('reports not_logged_in, not refresh_failed, for a refresh refused after a logout', async () => {
    await start();
    const page = await open();
    await login(page);
    let refused!: () => void;
    const refusedAtIssuer = new Promise<void>((resolve) => (refused = resolve));
    await page.route('**/api/token/refresh/', async (route) => {
      refused();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ detail: 'Token is blacklisted', code: 'token_not_valid' }) });
    });
    const refreshing = page.evaluate(() =>
      window.client.refresh().then(
        () => 'ok',
        (e: ClientModule.LatchkeyClientError) => e.code,
      ),
    );
    await refusedAtIssuer;
    await page.evaluate(() => window.client.logout());
    expect(await refreshing).toBe('not_logged_in');
    expect(await page.evaluate(() => window.client.loggedIn)).toBe(false);
  });

  it('does not resend a streamed body, which the first attempt spent: the caller gets the 401, its retry the new token', async () => {
    await start();
    const page = await open();
    const outcome = await page.evaluate(async () => {
      // Chromium streams request bodies over HTTP/2 only, so the API is played by the fetch the client is given.
      const sent: { authorization: string | null; body: string }[] = [];
      let stale: string | undefined;
      const client = window.latchkey.createClient({
        fetch: async (input, init) => {
          if (!String(input).endsWith('/api/upload')) return fetch(input, init);
          const body = init?.body instanceof ReadableStream ? await new Response(init.body).text() : String(init?.body);
          const authorization = new Headers(init?.headers).get('Authorization');
          sent.push({ authorization, body });
          stale ??= authorization ?? undefined;
          const expired = authorization === stale;
          return new Response(JSON.stringify(expired ? { code: 'token_not_valid' } : { ok: true }), { status: expired ? 401 : 200 });
        },
      });
      await client.login('alice', 'wonderland');
      const streamed = () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('chunk'));
            controller.close();
          },
        });
      const first = await client.fetch('/api/upload', { method: 'POST', body: streamed(), duplex: 'half' } as RequestInit);
      const retried = await client.fetch('/api/upload', { method: 'POST', body: streamed(), duplex: 'half' } as RequestInit);
      return { statuses: [first.status, retried.status], sent: sent.map((entry) => [entry.authorization === stale, entry.body]) };
    });
    expect(outcome).toEqual({
      statuses: [401, 200],
      sent: [
        [true, 'chunk'],
        [false, 'chunk'],
      ],
    });
    expect(refreshes()).toBe(1);
  });

  it('ignores messages on its channel that are not its own (any same-origin script can post there)', async () => {
    await start();
    const page = await open();
    await login(page);
    const token = await page.evaluate(() => window.client.accessToken());
    await page.evaluate(() => {
      const intruder = new BroadcastChannel('latchkey-session');
      for (const message of [
        { type: 'ping' },
        { type: 'logout' },
        { type: 'logout', generation: 'x' },
        { type: 'tokens', generation: 1e9, access: 42 },
        { type: 'tokens', generation: Number.NaN, access: 'forged' },
        'tokens',
        null,
      ])
        intruder.postMessage(message);
      intruder.close();
    });
    await page.waitForTimeout(200);
    expect(await page.evaluate(async () => [window.client.loggedIn, await window.client.accessToken()] as const)).toEqual([true, token]);
    // The ordering of token sets is intact: a 401 token_not_valid still forces one refresh.
    issuer.rejected.add(token);
    expect((await callApi(page)).status).toBe(200);
    expect(refreshes()).toBe(1);
  });

  it('a refused refresh ends the session with refresh_failed', async () => {
    await start();
    const page = await open();
    const refresh = await loginCapturingRefreshToken(page);
    // Revoked behind the client's back (another device logged out, an admin, reuse elsewhere).
    const blacklisted = await fetch(`${issuer.url}/api/token/blacklist/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh }),
    });
    expect(blacklisted.status).toBe(200);
    const outcome = await page.evaluate(() =>
      window.client.refresh().then(
        () => 'ok',
        (e: ClientModule.LatchkeyClientError) => `${e.code} ${e.status}`,
      ),
    );
    expect(outcome).toBe('refresh_failed 401');
    expect(await page.evaluate(() => window.client.loggedIn)).toBe(false);
  });

  it('refuses unknown options naming the closest one', async () => {
    await start();
    const page = await open();
    const message = await page.evaluate(() => {
      try {
        window.latchkey.createClient({ refreshAheadSecond: 5 } as never);
        return 'accepted';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    expect(message).toBe('TypeError: createClient: unknown option "refreshAheadSecond"; did you mean "refreshAheadSeconds"?');
    const refusals = await page.evaluate(() =>
      [
        { baseUrl: 5 },
        { paths: { obtain: 5 } },
        { paths: { refresh: 'api/token/refresh/' } },
        { coordinationName: '' },
        { allowedOrigins: ['https://api.example.com/'] },
        { paths: [] },
        { paths: '/api/token/' },
      ].map((options) => {
        try {
          window.latchkey.createClient(options as never);
          return 'accepted';
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      }),
    );
    expect(refusals).toEqual([
      'TypeError: createClient: baseUrl must be a string (a path prefix or an absolute URL)',
      'TypeError: createClient: paths.obtain must be a path starting with "/"',
      'TypeError: createClient: paths.refresh must be a path starting with "/"',
      'TypeError: createClient: coordinationName must be a non-empty string',
      'TypeError: createClient: allowedOrigins has "https://api.example.com/", which is not an origin such as "https://api.example.com"',
      'TypeError: createClient: paths must be an object such as { obtain: "/api/token/" }',
      'TypeError: createClient: paths must be an object such as { obtain: "/api/token/" }',
    ]);
  });
});

describe('two tabs', () => {
  /** A fresh issuer, a tab that logs in, and a second tab that gets the session from it. */
  async function twoTabsSharingOneSession(): Promise<{ first: Page; second: Page }> {
    await start();
    const first = await open();
    await login(first);
    const second = await open();
    expect(await second.evaluate(() => window.client.restore())).toBe(true);
    return { first, second };
  }

  it('a second tab gets the session from the first over BroadcastChannel', async () => {
    const { second } = await twoTabsSharingOneSession();
    expect((await callApi(second)).status).toBe(200);
  });

  it('both tabs refreshing at once present the refresh token once: the family survives', async () => {
    await start();
    const first = await open();
    const second = await open();
    await login(first);
    expect(await second.evaluate(() => window.client.restore())).toBe(true);
    await Promise.all([first.evaluate(() => window.client.refresh()), second.evaluate(() => window.client.refresh())]);
    expect(revoked()).toEqual([]);
    expect(refreshes()).toBe(1);
    // Both tabs hold the same live session: each can call and refresh again.
    expect((await callApi(first)).status).toBe(200);
    expect((await callApi(second)).status).toBe(200);
    await second.evaluate(() => window.client.refresh());
    await first.evaluate(() => window.client.refresh());
    expect(revoked()).toEqual([]);
    expect((await callApi(first)).status).toBe(200);
  });

  it('control: without the shared result (channel closed) the second tab replays the spent token and the family is revoked', async () => {
    await start();
    const first = await open();
    await login(first);
    const second = await open();
    await second.evaluate(() => window.client.restore());
    // The lock still serialises the two refreshes, but the winner's tokens no longer reach the second tab.
    await second.evaluate(() => window.client.close());
    const outcomes = await Promise.all([
      first.evaluate(() =>
        window.client.refresh().then(
          () => 'ok',
          (e: ClientModule.LatchkeyClientError) => e.code,
        ),
      ),
      second.evaluate(() =>
        window.client.refresh().then(
          () => 'ok',
          (e: ClientModule.LatchkeyClientError) => e.code,
        ),
      ),
    ]);
    expect(outcomes.sort()).toEqual(['ok', 'refresh_failed']);
    expect(revoked().map((event) => event.type)).toContain('refresh.reuse_detected');
  });

  it('a logout in one tab while the other refreshes leaves both logged out', async () => {
    const { first, second } = await twoTabsSharingOneSession();
    const { answered, refreshing } = await refreshAnsweredLate(second);
    await first.evaluate(() => window.client.logout());
    await second.waitForFunction(() => !window.client.loggedIn);
    await answered;
    expect(await refreshing).toBe('not_logged_in');
    await first.waitForTimeout(200);
    expect([await first.evaluate(() => window.client.loggedIn), await second.evaluate(() => window.client.loggedIn)]).toEqual([false, false]);
  });

  it('logout in one tab blacklists the refresh token and logs out every tab', async () => {
    await start();
    const first = await open();
    const refresh = await loginCapturingRefreshToken(first);
    const second = await open();
    await second.evaluate(() => window.client.restore());
    await first.evaluate(() => window.client.logout());
    await second.waitForFunction(() => !window.client.loggedIn);
    expect(await first.evaluate(() => window.client.loggedIn)).toBe(false);
    expect(issuer.tokenRequests).toContain('/api/token/blacklist/');
    const replay = await fetch(`${issuer.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh }),
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('token_not_valid');
  });

  it('a logout ends the session in every tab whatever the blacklist route answers; it rejects only when the request could not be sent', async () => {
    await start();
    const first = await open();
    await login(first);
    const second = await open();
    await second.evaluate(() => window.client.restore());
    // Unreachable: the refresh token may still be live at the issuer, and the caller is told so.
    await first.route('**/api/token/blacklist/', (route) => route.abort('connectionrefused'));
    const unreachable = await first.evaluate(() =>
      window.client.logout().then(
        () => 'resolved',
        (error: Error) => error.name,
      ),
    );
    expect(unreachable).toBe('TypeError');
    await second.waitForFunction(() => !window.client.loggedIn);
    expect(await first.evaluate(() => window.client.loggedIn)).toBe(false);
    // An answer, even a refusal (an expired refresh token's 401), is the issuer's word: the logout resolves.
    await first.unroute('**/api/token/blacklist/');
    await first.route('**/api/token/blacklist/', (route) =>
      route.fulfill({ status: 401, contentType: 'application/json', body: '{"code":"token_not_valid"}' }),
    );
    await login(first);
    expect(await first.evaluate(() => window.client.logout().then(() => 'resolved'))).toBe('resolved');
    expect(await first.evaluate(() => window.client.loggedIn)).toBe(false);
  });
});

describe('cookie mode (refresh token in an HttpOnly cookie)', () => {
  it('never sees the refresh token, refreshes once for concurrent calls, restores a new tab, logs out', async () => {
    await start(undefined, true);
    const first = await open({ refreshToken: 'cookie' });
    const answer = first.waitForResponse((r) => r.url().endsWith('/api/token/'));
    await login(first);
    expect(Object.keys((await (await answer).json()) as object)).toEqual(['access']);
    expect(await first.evaluate(() => document.cookie)).toBe('');
    const [cookie, ...others] = await context.cookies();
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({ name: '__Host-latchkey-refresh', path: '/', httpOnly: true, secure: true, sameSite: 'Strict' });
    issuer.rejected.add(await first.evaluate(() => window.client.accessToken()));
    const statuses = await first.evaluate(() => Promise.all(Array.from({ length: 10 }, () => window.client.fetch('/api/items').then((r) => r.status))));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(refreshes()).toBe(1);
    const second = await open({ refreshToken: 'cookie' });
    expect(await second.evaluate(() => window.client.restore())).toBe(true);
    expect((await callApi(second)).status).toBe(200);
    expect(revoked()).toEqual([]);
    await second.evaluate(() => window.client.logout());
    await first.waitForFunction(() => !window.client.loggedIn);
    expect(await first.evaluate(() => window.client.restore())).toBe(false);
    expect(await context.cookies()).toEqual([]);
  });
});

describe('DPoP (sender-constrained tokens)', () => {
  const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('signs with a non-extractable key: bound tokens at login, DPoP calls, bound refreshes, and the key never leaves', async () => {
    await start(undefined, false, true);
    const page = await open();
    // Record how the page asks for keys, then recreate the client so its key is made under the spy.
    await page.evaluate(() => {
      const generate = crypto.subtle.generateKey.bind(crypto.subtle);
      (window as unknown as { extractable: unknown[] }).extractable = [];
      crypto.subtle.generateKey = ((algorithm: never, extractable: boolean, usages: never) => {
        (window as unknown as { extractable: unknown[] }).extractable.push(extractable);
        return generate(algorithm, extractable, usages);
      }) as typeof crypto.subtle.generateKey;
      window.client.close();
      window.client = window.latchkey.createClient({ dpop: true });
    });
    const requests: Record<string, string | undefined>[] = [];
    page.on('request', (request) => void requests.push(request.headers()));
    const refresh = await loginCapturingRefreshToken(page);
    const access = await page.evaluate(() => window.client.accessToken());
    expect(payloadOf(access).cnf).toEqual({ jkt: expect.stringMatching(/^[\w-]{43}$/) });
    expect(payloadOf(refresh).cnf).toEqual(payloadOf(access).cnf);
    expect(await callApi(page)).toEqual({ status: 200, body: { items: ['a', 'b'], user: '1' } });
    const api = requests.find((headers) => headers.authorization?.startsWith('DPoP ') === true);
    expect(api?.dpop).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await page.evaluate(() => (window as unknown as { extractable: unknown[] }).extractable)).toEqual([false]);

    // The refresh token alone (as if stolen) is refused; the client, holding the key, refreshes.
    const stolen = await fetch(`${issuer.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh }),
    });
    expect([stolen.status, ((await stolen.json()) as { error: string }).error]).toEqual([400, 'invalid_dpop_proof']);
    await page.evaluate(() => window.client.refresh());
    expect(payloadOf(await page.evaluate(() => window.client.accessToken())).cnf).toEqual(payloadOf(access).cnf);
    expect(revoked()).toEqual([]);
    // As Bearer, the bound access token is refused by the API.
    const asBearer = await fetch(`${issuer.url}/api/items`, { headers: { authorization: `Bearer ${access}` } });
    expect(asBearer.status).toBe(401);
  });

  it('answers use_dpop_nonce once with the nonce it was given, at the issuer and at the API', async () => {
    await start(undefined, false, 'nonce');
    const page = await open({ dpop: true });
    const statuses: number[] = [];
    page.on('response', (response) => void statuses.push(response.status()));
    await login(page);
    expect(await page.evaluate(() => window.client.loggedIn)).toBe(true);
    expect((await callApi(page)).status).toBe(200);
    // Issuer and API make their nonces with different secrets: each asks once (400 at the token endpoint,
    // 401 at the API), the client retries with the nonce it got, and every later proof carries it.
    expect(statuses.filter((status) => status >= 400)).toEqual([400, 401]);
    expect((await callApi(page)).status).toBe(200);
    // Each server's nonce is kept apart: a refresh after API calls needs no second round trip.
    await page.evaluate(() => window.client.refresh());
    expect((await callApi(page)).status).toBe(200);
    expect(statuses.filter((status) => status >= 400)).toEqual([400, 401]);
  });

  it('hands the key to a sibling tab with the tokens, so the second tab can call the API too', async () => {
    await start(undefined, false, true);
    const first = await open({ dpop: true });
    await login(first);
    const second = await open({ dpop: true });
    expect(await second.evaluate(() => window.client.restore())).toBe(true);
    expect((await callApi(second)).status).toBe(200);
    await second.evaluate(() => window.client.refresh());
    expect((await callApi(first)).status).toBe(200);
    expect(revoked()).toEqual([]);
  });
});
