/**
 * Cookie delivery and its CSRF checks, over real HTTP on Express, Koa and Fastify: the behaviour lives in
 * the framework-neutral `issuer.handle`, and this suite pins that the three mounts do not drift.
 */
import { describe, expect, it } from 'vitest';
import type { IssuerEvent } from '../src/events.js';
import { MOUNT_NAMES, mountPerTest } from './frameworks.js';
import { send, type Answer } from './helpers.js';

const APP = 'https://app.example.com';
const COOKIE = '__Host-latchkey-refresh';
const ALICE = { username: 'alice', password: 'wonderland' };
/** What a browser page on the allowed origin sends on a `fetch` POST. */
const FROM_APP = { origin: APP, 'sec-fetch-site': 'same-site', 'x-latchkey-csrf': '1' };

function setCookie(answer: Answer): string {
  const all = answer.headers.getSetCookie();
  expect(all).toHaveLength(1);
  return all[0]!;
}

function cookieValue(answer: Answer): string {
  const match = /^__Host-latchkey-refresh=([^;]*);/.exec(setCookie(answer));
  expect(match).not.toBeNull();
  return match![1]!;
}

describe.each(MOUNT_NAMES)('cookie mode on %s', (mount) => {
  const start = mountPerTest(mount);
  const events: IssuerEvent[] = [];
  const cookieIssuer = (extra: Record<string, unknown> = {}) => {
    events.length = 0;
    return start({ rotateRefreshTokens: true, refreshCookie: { allowedOrigins: [APP] }, onEvent: (event) => void events.push(event), ...extra });
  };

  async function logIn(url: string): Promise<{ access: string; refresh: string }> {
    const answer = await send(`${url}/api/token/`, { body: ALICE, headers: FROM_APP });
    expect(answer.status).toBe(200);
    return { access: (answer.body as { access: string }).access, refresh: cookieValue(answer) };
  }

  it('logs in with the refresh token in a __Host- HttpOnly Secure SameSite cookie, not in the body', async () => {
    const { url } = await cookieIssuer();
    const answer = await send(`${url}/api/token/`, { body: ALICE, headers: FROM_APP });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body as object)).toEqual(['access']);
    const header = setCookie(answer);
    expect(header).toMatch(/^__Host-latchkey-refresh=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=86400; HttpOnly; Secure; SameSite=Strict$/);
    expect(header).not.toMatch(/Domain=/i);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('refreshes from the cookie (rotating it) and refuses the spent cookie, clearing it', async () => {
    const { url } = await cookieIssuer();
    const { refresh } = await logIn(url);
    const answer = await send(`${url}/api/token/refresh/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=${refresh}; theme=dark` } });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body as object)).toEqual(['access']);
    const successor = cookieValue(answer);
    expect(successor).not.toBe(refresh);
    const replay = await send(`${url}/api/token/refresh/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=${refresh}` } });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    expect(setCookie(replay)).toBe(`${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`);
    expect(events.map((event) => event.type)).toContain('refresh.reuse_detected');
  });

  it('never reads a refresh token from the body in cookie mode', async () => {
    const { url } = await cookieIssuer();
    const { refresh } = await logIn(url);
    const answer = await send(`${url}/api/token/refresh/`, { body: { refresh }, headers: FROM_APP });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'No refresh token cookie was sent.', code: 'token_not_valid' });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
  });

  it('logs out from the cookie: blacklists the family and clears the cookie', async () => {
    const { url } = await cookieIssuer();
    const { refresh } = await logIn(url);
    const logout = await send(`${url}/api/token/blacklist/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=${refresh}` } });
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({});
    expect(setCookie(logout)).toBe(`${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`);
    const after = await send(`${url}/api/token/refresh/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=${refresh}` } });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    // Logging out twice still clears the cookie (and says the token is already dead).
    const again = await send(`${url}/api/token/blacklist/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=${refresh}` } });
    expect(again.status).toBe(401);
    expect(setCookie(again)).toContain('Max-Age=0');
  });

  it('refuses a second cookie of the same name (a planted one) and clears its own', async () => {
    const { url } = await cookieIssuer();
    const { refresh } = await logIn(url);
    const answer = await send(`${url}/api/token/refresh/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=planted.by.sibling; ${COOKIE}=${refresh}` } });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Several refresh token cookies were sent.', code: 'token_not_valid' });
    expect(setCookie(answer)).toContain('Max-Age=0');
  });

  describe('CSRF checks', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      [
        'a foreign Origin',
        { origin: 'https://evil.example', 'x-latchkey-csrf': '1' },
        'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.',
      ],
      ['an opaque Origin (null)', { origin: 'null', 'x-latchkey-csrf': '1' }, 'CSRF Failed: Origin checking failed - null does not match any trusted origins.'],
      [
        'an allowed origin on another scheme',
        { origin: 'http://app.example.com', 'x-latchkey-csrf': '1' },
        'CSRF Failed: Origin checking failed - http://app.example.com does not match any trusted origins.',
      ],
      [
        'Sec-Fetch-Site cross-site without Origin',
        { 'sec-fetch-site': 'cross-site', 'x-latchkey-csrf': '1' },
        'CSRF Failed: Sec-Fetch-Site is cross-site and no trusted Origin was sent.',
      ],
      ['no custom header', { origin: APP, 'sec-fetch-site': 'same-site' }, 'CSRF Failed: the X-Latchkey-CSRF header is missing.'],
      ['a blank custom header', { origin: APP, 'x-latchkey-csrf': ' ' }, 'CSRF Failed: the X-Latchkey-CSRF header is missing.'],
    ];
    it.each(cases)('refuses %s with 403 on every cookie route, before any work', async (_name, headers, detail) => {
      const { url } = await cookieIssuer();
      const { refresh } = await logIn(url);
      for (const path of ['/api/token/', '/api/token/refresh/', '/api/token/blacklist/']) {
        const answer = await send(`${url}${path}`, { body: path === '/api/token/' ? ALICE : {}, headers: { ...headers, cookie: `${COOKIE}=${refresh}` } });
        expect(answer.status, path).toBe(403);
        expect(answer.body).toEqual({ detail, code: 'csrf_failed' });
        expect(answer.headers.getSetCookie()).toEqual([]);
      }
      expect(events.filter((event) => event.type === 'csrf.refused')).toHaveLength(3);
      // The session survived the forged logout: the cookie still refreshes.
      const still = await send(`${url}/api/token/refresh/`, { headers: { ...FROM_APP, cookie: `${COOKIE}=${refresh}` } });
      expect(still.status).toBe(200);
    });

    it('lets a same-origin page or a non-browser client through with the header', async () => {
      const { url } = await cookieIssuer();
      expect((await send(`${url}/api/token/`, { body: ALICE, headers: { 'sec-fetch-site': 'same-origin', 'x-latchkey-csrf': '1' } })).status).toBe(200);
      expect((await send(`${url}/api/token/`, { body: ALICE, headers: { 'x-latchkey-csrf': '1' } })).status).toBe(200);
    });

    it('leaves the verify route alone (it reads no cookie)', async () => {
      const { url } = await cookieIssuer();
      const { access } = await logIn(url);
      expect((await send(`${url}/api/token/verify/`, { body: { token: access } })).status).toBe(200);
    });

    it('answers the CORS preflight of an allowed origin, and not of another', async () => {
      const { url } = await cookieIssuer();
      const ask = (origin: string) =>
        send(`${url}/api/token/refresh/`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-latchkey-csrf' },
        });
      const allowed = await ask(APP);
      expect(allowed.status).toBe(204);
      expect(Object.fromEntries([...allowed.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
        'access-control-allow-origin': APP,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Content-Type, X-Latchkey-CSRF',
        'access-control-max-age': '600',
      });
      const foreign = await ask('https://evil.example');
      expect(foreign.status).toBe(204);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('scopes a __Secure- cookie to a path, host-only', async () => {
    const { url } = await cookieIssuer({ refreshCookie: { allowedOrigins: [APP], name: '__Secure-refresh', path: '/api/token/', sameSite: 'Lax' } });
    const answer = await send(`${url}/api/token/`, { body: ALICE, headers: FROM_APP });
    const header = setCookie(answer);
    expect(header).toMatch(/^__Secure-refresh=[\w.-]+; Path=\/api\/token\/; Max-Age=86400; HttpOnly; Secure; SameSite=Lax$/);
    const refresh = /=([^;]+);/.exec(header)![1]!;
    const again = await send(`${url}/api/token/refresh/`, { headers: { ...FROM_APP, cookie: `__Secure-refresh=${refresh}` } });
    expect(again.status).toBe(200);
  });
});
