/**
 * Refresh families (RFC 9700 §4.14.2) over real HTTP: rotation is one compare-and-swap, reuse revokes the
 * family, the grace window hands out the same successor.
 */
import { describe, expect, it } from 'vitest';
import type { IssuerEvent } from '../src/events.js';
import { decode, issuerPerTest, login, send } from './helpers.js';

const start = issuerPerTest();
const refreshOnce = (url: string, refresh: string) => send(`${url}/api/token/refresh/`, { body: { refresh } });

describe('refresh-token families', () => {
  it('100 concurrent refreshes of one token: exactly one succeeds; the family is then revoked', async () => {
    const events: IssuerEvent[] = [];
    const { url, issuer } = await start({ rotateRefreshTokens: true, onEvent: (event) => events.push(event) });
    const { refresh } = await login(url);
    const answers = await Promise.all(Array.from({ length: 100 }, () => refreshOnce(url, refresh)));
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 200)) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    }
    // The losers presented a spent token: that is reuse, and the whole family goes, the winner's successor too.
    const successor = (ok[0]!.body as { refresh: string }).refresh;
    expect((await refreshOnce(url, successor)).status).toBe(401);
    expect((await refreshOnce(url, refresh)).status).toBe(401);
    const family = await issuer.store!.getFamily('1', decode(refresh).payload.fam as string);
    expect(family).toMatchObject({ revokedReason: 'reuse', generation: 1 });
    expect(events.filter((event) => event.type === 'family.revoked')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'token.refreshed')).toHaveLength(1);
  });

  it('sequential rotation works; replaying a rotated-away token revokes the family and its live successor', async () => {
    const events: IssuerEvent[] = [];
    const { url } = await start({ rotateRefreshTokens: true, onEvent: (event) => events.push(event) });
    const first = (await login(url)).refresh;
    const second = ((await refreshOnce(url, first)).body as { refresh: string }).refresh;
    const third = ((await refreshOnce(url, second)).body as { refresh: string }).refresh;
    expect(third).toBeDefined();
    // An attacker replays the first token.
    expect((await refreshOnce(url, first)).body).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    expect((await refreshOnce(url, third)).status).toBe(401);
    const reuse = events.find((event) => event.type === 'refresh.reuse_detected');
    expect(reuse).toMatchObject({ userId: '1', generation: 2 });
    // Events never carry tokens.
    expect(JSON.stringify(events)).not.toContain(first);
  });

  it('a grace window returns the same successor to concurrent refreshes, and revokes after it', async () => {
    const { url, issuer } = await start({ rotateRefreshTokens: true, reuseGraceSeconds: 1 });
    const { refresh } = await login(url);
    const answers = await Promise.all(Array.from({ length: 20 }, () => refreshOnce(url, refresh)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const successors = new Set(answers.map((answer) => (answer.body as { refresh: string }).refresh));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await refreshOnce(url, refresh)).status).toBe(401);
    expect((await issuer.store!.getFamily('1', decode(successor!).payload.fam as string))?.revokedReason).toBe('reuse');
  });

  it('the store keeps hashes, never the tokens; the family records user agent and address', async () => {
    const { url, issuer } = await start({ rotateRefreshTokens: true, reuseGraceSeconds: 5 });
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' }, headers: { 'user-agent': 'tab/1' } });
    const { refresh } = answer.body as { refresh: string };
    const next = ((await refreshOnce(url, refresh)).body as { refresh: string }).refresh;
    const record = await issuer.store!.getFamily('1', decode(refresh).payload.fam as string);
    expect(record).toMatchObject({ userAgent: 'tab/1', clientAddress: expect.stringMatching(/127\.0\.0\.1/), generation: 1 });
    const stored = JSON.stringify(record);
    for (const token of [refresh, next]) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.split('.')[2]);
    }
  });

  it('an event handler that throws never breaks a request', async () => {
    const { url } = await start({
      rotateRefreshTokens: true,
      onEvent: () => {
        throw new Error('boom');
      },
    });
    const { refresh } = await login(url);
    expect((await refreshOnce(url, refresh)).status).toBe(200);
  });

  it('a failing login hook is reported, and the login still answers as it should', async () => {
    const events: IssuerEvent[] = [];
    const { url } = await start({
      onLoginSuccess: () => {
        throw new Error('db down');
      },
      onLoginFailure: async () => {
        throw new Error('db down');
      },
      onEvent: (event) => events.push(event),
    });
    expect((await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).status).toBe(200);
    expect((await send(`${url}/api/token/`, { body: { username: 'alice', password: 'x' } })).status).toBe(401);
    expect(events.filter((event) => event.type === 'hook.failed').map((event) => (event as { hook: string }).hook)).toEqual([
      'onLoginSuccess',
      'onLoginFailure',
    ]);
  });

  it('calls onLoginFailure with the password masked, and onLoginSuccess on every login', async () => {
    const failures: unknown[] = [];
    const successes: unknown[] = [];
    const { url } = await start({ onLoginFailure: (credentials) => void failures.push(credentials), onLoginSuccess: (user) => void successes.push(user.id) });
    await send(`${url}/api/token/`, { body: { username: 'alice', password: 'secret-guess' } });
    await login(url);
    expect(failures).toEqual([{ username: 'alice', password: '********************' }]);
    expect(successes).toEqual(['1']);
  });

  it("a user source that fails gives DRF's 500 body and an event, never a crash", async () => {
    const events: IssuerEvent[] = [];
    const { url } = await start({
      onEvent: (event) => events.push(event),
      users: {
        authenticate: () => {
          throw new Error('ldap down');
        },
        getUser: () => null,
      },
    });
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'x' } });
    expect(answer.status).toBe(500);
    expect(answer.text).toBe('{"detail":"A server error occurred."}');
    expect(events.some((event) => event.type === 'request.failed')).toBe(true);
  });
});
