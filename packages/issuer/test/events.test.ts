/**
 * Issuer events from real flows over HTTP on Express, Koa and Fastify (session routes included): every kind
 * the flows emit shows up, and no event carries a token, a piece of one, its stored hash or a password —
 * checked by scanning every event.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IssuerEvent } from '../src/events.js';
import { SESSION_PATHS } from '../src/options.js';
import { MOUNT_NAMES, mountPerTest } from './frameworks.js';
import { send } from './helpers.js';

const APP = 'https://app.example.com';
const PASSWORDS = ['wonderland', 'not-the-password-1'];

/** Everything an event could leak, as text: messages and causes of errors included. */
function eventText(event: IssuerEvent): string {
  return JSON.stringify(event, (_key, value: unknown) =>
    value instanceof Error ? { message: value.message, stack: value.stack, cause: String(value.cause) } : value,
  );
}

/** A token, each of its three parts, and the hash the store keeps of it. */
function secretsOf(token: string): string[] {
  return [token, ...token.split('.'), createHash('sha256').update(token).digest('base64url'), createHash('sha256').update(token).digest('hex')];
}

describe.each(MOUNT_NAMES)('issuer events on %s', (mount) => {
  const start = mountPerTest(mount);

  it('reports issued, refreshed, reuse, revocations, logout everywhere, login failure, rate limit and CSRF refusals without a secret', async () => {
    const events: IssuerEvent[] = [];
    const tokens: string[] = [];
    const { url } = await start({
      rotateRefreshTokens: true,
      paths: { ...SESSION_PATHS },
      loginLimits: { perAccountAndAddress: { attempts: 2, windowSeconds: 60, blockSeconds: 60 } },
      onEvent: (event) => void events.push(event),
    });
    const post = async (path: string, body: object, headers: Record<string, string> = {}, method = 'POST') => {
      const answer = await send(`${url}${path}`, { method, body: method === 'GET' ? undefined : body, headers });
      const { access, refresh } = (answer.body ?? {}) as Record<string, unknown>;
      for (const token of [access, refresh]) if (typeof token === 'string') tokens.push(token);
      return answer;
    };
    const first = (await post('/api/token/', { username: 'alice', password: PASSWORDS[0] })).body as { refresh: string; access: string };
    const second = (await post('/api/token/refresh/', { refresh: first.refresh })).body as { refresh: string };
    await post('/api/token/refresh/', { refresh: first.refresh }); // reuse: family revoked
    const other = (await post('/api/token/', { username: 'alice', password: PASSWORDS[0] })).body as { refresh: string };
    await post('/api/token/blacklist/', { refresh: other.refresh });
    // The session routes, with the access token in Authorization: list, revoke one, log out everywhere.
    const [phone, laptop] = [
      (await post('/api/token/', { username: 'alice', password: PASSWORDS[0] })).body as { access: string; refresh: string },
      (await post('/api/token/', { username: 'alice', password: PASSWORDS[0] })).body as { access: string; refresh: string },
    ];
    const bearer = { authorization: `Bearer ${laptop.access}` };
    const listed = (await post('/api/token/sessions/', {}, bearer, 'GET')).body as { sessions: Array<{ session: string; current: boolean }> };
    const phoneSession = listed.sessions.find((session) => !session.current)!.session;
    expect((await post('/api/token/sessions/revoke/', { session: phoneSession }, bearer)).status).toBe(200);
    expect((await post('/api/token/logout-all/', {}, bearer)).body).toMatchObject({ revoked: expect.any(Number) });
    expect(phone.refresh).toBeDefined();
    await post('/api/token/', { username: 'alice', password: PASSWORDS[1] });
    await post('/api/token/', { username: 'alice', password: PASSWORDS[1] });
    expect((await post('/api/token/', { username: 'alice', password: PASSWORDS[0] })).status).toBe(429);
    expect(second.refresh).toBeDefined();

    const { url: cookieUrl } = await start({ refreshCookie: { allowedOrigins: [APP] }, onEvent: (event) => void events.push(event) });
    expect(
      (
        await send(`${cookieUrl}/api/token/`, {
          body: { username: 'alice', password: PASSWORDS[0] },
          headers: { origin: 'https://evil.example', 'x-latchkey-csrf': '1' },
        })
      ).status,
    ).toBe(403);

    expect(new Set(events.map((event) => event.type))).toEqual(
      new Set([
        'token.issued',
        'token.refreshed',
        'refresh.reuse_detected',
        'family.revoked',
        'user.revoked',
        'login.failed',
        'login.rate_limited',
        'csrf.refused',
      ]),
    );
    expect(events.filter((event) => event.type === 'family.revoked').map((event) => (event as { reason: string }).reason)).toEqual([
      'reuse',
      'logout',
      'admin',
    ]);
    expect(tokens.length).toBeGreaterThanOrEqual(9);
    const secrets = [...tokens.flatMap(secretsOf), ...PASSWORDS];
    expect(secrets.every((secret) => secret.length >= 10)).toBe(true);
    for (const event of events) {
      const text = eventText(event);
      for (const secret of secrets) expect(text.includes(secret), `${event.type} leaks ${secret.slice(0, 12)}…`).toBe(false);
    }
  });

  it('never lets a throwing handler break a request, and reports it once', async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args[0]);
    try {
      const { url } = await start({
        onEvent: () => {
          throw new Error('handler bug');
        },
      });
      for (let i = 0; i < 3; i++) expect((await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).status).toBe(200);
    } finally {
      console.error = original;
    }
    expect(errors).toEqual(['[latchkey/issuer] an onEvent handler threw; further errors from it are ignored']);
  });
});
