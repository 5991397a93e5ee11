/**
 * Sessions and revocation over real HTTP on the Express, Koa and Fastify mounts, each with a protected
 * route verified through `issuer.verifier({ checkRevocation: true })`: absolute lifetime and idle timeout
 * on every refresh, logout of one family, logout everywhere (user epoch), the session list with
 * revoke-one, the access-token denylist, and the per-user session bound.
 */
import { createVerifier, hmacSecrets } from '@latchkey/core';
import { describe, expect, it } from 'vitest';
import { createIssuer, type Issuer } from '../src/issuer.js';
import { SESSION_PATHS, type IssuerOptions } from '../src/options.js';
import { memoryStore } from '../src/store/memory.js';
import { createMemoryUsers, type MemoryUser } from '../src/users/memory-users.js';
import { closedAfterEach, MOUNTS } from './frameworks.js';
import { decode, SECRET, send, TEST_COST, testUsers } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const track = closedAfterEach();

describe.each(Object.entries(MOUNTS))('%s', (_name, startFramework) => {
  async function start(options: Partial<IssuerOptions<MemoryUser>> = {}): Promise<{ url: string; issuer: Issuer<MemoryUser> }> {
    const issuer = createIssuer<MemoryUser>({
      signingKey: SECRET,
      users: await testUsers(),
      rotateRefreshTokens: true,
      paths: { ...SESSION_PATHS },
      ...options,
    });
    const { url } = track(await startFramework(issuer, issuer.verifier({ checkRevocation: true })));
    return { url, issuer };
  }
  const login = async (url: string, userAgent = 'agent/1'): Promise<{ access: string; refresh: string }> => {
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' }, headers: { 'user-agent': userAgent } });
    expect(answer.status).toBe(200);
    return answer.body as { access: string; refresh: string };
  };
  const refresh = (url: string, token: string) => send(`${url}/api/token/refresh/`, { body: { refresh: token } });
  const me = async (url: string, access: string): Promise<number> => (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${access}` } })).status;
  const bearer = (access: string) => ({ authorization: `Bearer ${access}` });

  it('absolute lifetime: refused after it although every rotation renewed the token; its access tokens too', async () => {
    const { url } = await start({ sessionLifetimeSeconds: 1 });
    const first = await login(url);
    await sleep(300);
    const rotated = await refresh(url, first.refresh);
    expect(rotated.status).toBe(200);
    const next = rotated.body as { access: string; refresh: string };
    expect(await me(url, next.access)).toBe(200);
    await sleep(800);
    const late = await refresh(url, next.refresh);
    expect(late.status).toBe(401);
    expect(late.body).toEqual({ detail: 'Token is invalid', code: 'token_not_valid' });
    // The access token's own exp is minutes away, but its session is over.
    expect(await me(url, next.access)).toBe(401);
  });

  it('idle timeout: shorter pauses pass, a longer one is refused — with rotation, without, and for sliding tokens', async () => {
    for (const options of [{}, { rotateRefreshTokens: false }] as const) {
      const { url } = await start({ idleTimeoutSeconds: 1, ...options });
      let token = (await login(url)).refresh;
      for (let use = 0; use < 2; use += 1) {
        await sleep(500);
        const answer = await refresh(url, token);
        expect(answer.status).toBe(200);
        token = (answer.body as { refresh?: string }).refresh ?? token;
      }
      await sleep(1200);
      expect((await refresh(url, token)).status).toBe(401);
    }
    const { url } = await start({ idleTimeoutSeconds: 1, rotateRefreshTokens: false, tokenStyle: 'sliding', paths: {} });
    const { token } = (await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).body as { token: string };
    await sleep(500);
    expect((await send(`${url}/api/token/refresh/`, { body: { token } })).status).toBe(200);
    await sleep(1200);
    // The sliding refresh used to ignore the store's verdict; the idle timeout now ends it.
    const idle = await send(`${url}/api/token/refresh/`, { body: { token } });
    expect(idle.status).toBe(401);
    expect(idle.body).toMatchObject({ code: 'token_not_valid' });
  }, 15_000);

  it('logout of this family: its refresh and access tokens refused at once, other sessions untouched', async () => {
    const { url } = await start();
    const phone = await login(url);
    const laptop = await login(url);
    expect(await me(url, phone.access)).toBe(200); // caches "not revoked"
    expect((await send(`${url}/api/token/blacklist/`, { body: { refresh: phone.refresh } })).text).toBe('{}');
    expect(await me(url, phone.access)).toBe(401);
    expect((await refresh(url, phone.refresh)).body).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    // Idempotent in effect: a second logout changes nothing (simplejwt's 401 answer kept).
    expect((await send(`${url}/api/token/blacklist/`, { body: { refresh: phone.refresh } })).status).toBe(401);
    expect(await me(url, laptop.access)).toBe(200);
    expect((await refresh(url, laptop.refresh)).status).toBe(200);
  });

  it('logout everywhere from the route: every earlier session refused on refresh and access; a new login works', async () => {
    const { url } = await start();
    const phone = await login(url);
    const laptop = await login(url);
    expect(await me(url, phone.access)).toBe(200);
    const out = await send(`${url}/api/token/logout-all/`, { headers: bearer(laptop.access) });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ revoked: 2 });
    for (const pair of [phone, laptop]) {
      expect(await me(url, pair.access)).toBe(401);
      expect((await refresh(url, pair.refresh)).body).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    }
    // The caller's own access token is revoked too: a second call is refused, not repeated.
    expect((await send(`${url}/api/token/logout-all/`, { headers: bearer(laptop.access) })).status).toBe(401);
    await sleep(5);
    const fresh = await login(url);
    expect(await me(url, fresh.access)).toBe(200);
    expect((await refresh(url, fresh.refresh)).status).toBe(200);
  });

  it("session list: created, last used, user agent, client address, current; revoke one; only the caller's own", async () => {
    const { url } = await start();
    const phone = await login(url, 'phone/1');
    await sleep(5);
    const laptop = await login(url, 'laptop/2');
    const listed = await send(`${url}/api/token/sessions/`, { method: 'GET', headers: bearer(laptop.access) });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    const { sessions } = listed.body as { sessions: Array<Record<string, unknown>> };
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ session: decode(laptop.refresh).payload.fam, user_agent: 'laptop/2', client_address: '127.0.0.1', current: true });
    expect(sessions[1]).toMatchObject({ session: decode(phone.refresh).payload.fam, user_agent: 'phone/1', current: false });
    expect(Date.parse(sessions[0]!.created as string)).toBeGreaterThan(Date.now() - 10_000);
    expect(sessions[0]!.last_used).toBe(sessions[0]!.created);
    expect(Object.keys(sessions[0]!).sort()).toEqual(['client_address', 'created', 'current', 'expires', 'last_used', 'session', 'user_agent']);

    const revoke = (session: unknown) => send(`${url}/api/token/sessions/revoke/`, { body: { session }, headers: bearer(laptop.access) });
    expect((await revoke(sessions[1]!.session)).text).toBe('{}');
    expect((await revoke(sessions[1]!.session)).status).toBe(200); // idempotent
    expect((await revoke('not-a-session-of-alice')).status).toBe(404);
    expect((await revoke(undefined)).text).toBe('{"session":["This field is required."]}');
    expect((await refresh(url, phone.refresh)).status).toBe(401);
    expect(await me(url, phone.access)).toBe(401);
    const after = (await send(`${url}/api/token/sessions/`, { method: 'GET', headers: bearer(laptop.access) })).body as { sessions: unknown[] };
    expect(after.sessions).toHaveLength(1);
  });

  it('session routes: 401 with a challenge without an access token or with a refresh token, 405 with Allow', async () => {
    const { url } = await start();
    const { refresh: refreshToken } = await login(url);
    const anonymous = await send(`${url}/api/token/sessions/`, { method: 'GET' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
    const wrongKind = await send(`${url}/api/token/logout-all/`, { headers: bearer(refreshToken) });
    expect(wrongKind.status).toBe(401);
    expect(wrongKind.body).toMatchObject({ code: 'token_not_valid' });
    expect((await refresh(url, refreshToken)).status).toBe(200); // nothing was revoked
    const post = await send(`${url}/api/token/sessions/`, { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, OPTIONS');
    expect((await send(`${url}/api/token/logout-all/`, { method: 'GET' })).headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('access-token denylist: one access token refused, its session lives on', async () => {
    const { url, issuer } = await start();
    const pair = await login(url);
    expect(await me(url, pair.access)).toBe(200);
    await issuer.denyAccessToken(decode(pair.access).payload);
    expect(await me(url, pair.access)).toBe(401);
    const next = (await refresh(url, pair.refresh)).body as { access: string };
    expect(await me(url, next.access)).toBe(200);
  });

  it("a resource server's own verifier: core's isRevoked from issuer.revocationCheck() refuses a denylisted jti, a revoked session, a logged-out user", async () => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers(), rotateRefreshTokens: true });
    const check = issuer.revocationCheck();
    // What an API beside the issuer builds: the core verifier, its token cache on, revocation through isRevoked.
    const verifier = createVerifier({
      keys: hmacSecrets(SECRET),
      algorithms: ['HS256'],
      issuer: null,
      audience: null,
      typ: 'at+jwt',
      tokenCache: true,
      // Passed as it stands, not wrapped: the method is bound to its check.
      isRevoked: check.isRevoked,
    });
    const { url } = track(await startFramework(issuer, verifier));
    const [denied, revoked, loggedOut] = [await login(url), await login(url), await login(url)];
    for (const pair of [denied, revoked, loggedOut]) expect(await me(url, pair.access)).toBe(200); // cached as verified and not revoked
    await issuer.denyAccessToken(decode(denied.access).payload);
    expect(await me(url, denied.access)).toBe(401);
    expect(await me(url, revoked.access)).toBe(200);
    expect(await issuer.revokeSession('1', decode(revoked.access).payload.fam as string)).toBe(true);
    expect(await me(url, revoked.access)).toBe(401);
    expect(await me(url, loggedOut.access)).toBe(200);
    await issuer.revokeUser('1');
    expect(await me(url, loggedOut.access)).toBe(401);
    // Logout everywhere ended every session, the denylisted token's too.
    expect((await refresh(url, denied.refresh)).status).toBe(401);
  });

  it('fail closed: a full epoch table refuses logout everywhere with 503 + Retry-After, and keeps the epochs it has', async () => {
    const users = await createMemoryUsers(
      [
        { id: '1', username: 'alice', password: 'wonderland' },
        { id: '3', username: 'carol', password: 'carol-pw' },
      ],
      { cost: TEST_COST },
    );
    const { url } = await start({ users, store: memoryStore({ maxEpochs: 1 }) });
    const alice = await login(url);
    const carol = (await send(`${url}/api/token/`, { body: { username: 'carol', password: 'carol-pw' } })).body as { access: string; refresh: string };
    expect((await send(`${url}/api/token/logout-all/`, { headers: bearer(alice.access) })).status).toBe(200);
    const full = await send(`${url}/api/token/logout-all/`, { headers: bearer(carol.access) });
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('1');
    expect((await refresh(url, alice.refresh)).status).toBe(401);
    expect((await refresh(url, carol.refresh)).status).toBe(200);
  });

  it('the session list is bounded per user: a login past the bound revokes the oldest session', async () => {
    const { url, issuer } = await start({ store: memoryStore({ maxSessionsPerUser: 2 }) });
    const [oldest, middle, newest] = [await login(url), await login(url), await login(url)];
    expect((await issuer.listSessions('1')).map((session) => session.sessionId)).toEqual([newest, middle].map((pair) => decode(pair.refresh).payload.fam));
    expect((await refresh(url, oldest.refresh)).status).toBe(401);
    expect(await me(url, oldest.access)).toBe(401);
    expect((await refresh(url, middle.refresh)).status).toBe(200);
  });
});

describe('issuer API', () => {
  it('revokeUser, listSessions, revokeSession and a revocation check outside HTTP', async () => {
    const users = await testUsers();
    const events: unknown[] = [];
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users, rotateRefreshTokens: true, onEvent: (event) => events.push(event) });
    const alice = (await users.getUser('1'))!;
    const first = await issuer.issueTokens(alice);
    const second = await issuer.issueTokens(alice);
    const check = issuer.revocationCheck({ cacheTtlMs: 60_000 });
    expect(await check.isRevoked(decode(first.access).payload)).toBe(false);
    expect(await issuer.listSessions('1')).toHaveLength(2);
    expect(await issuer.revokeSession('1', decode(first.access).payload.fam as string)).toBe(true);
    // The cached "not revoked" (60 s) was replaced at once: the revocation was made by this issuer.
    expect(await check.isRevoked(decode(first.access).payload)).toBe(true);
    expect(await check.isRevoked(decode(second.access).payload)).toBe(false);
    expect(await issuer.revokeUser('1')).toBe(1);
    expect(await check.isRevoked(decode(second.access).payload)).toBe(true);
    expect(await issuer.listSessions('1')).toEqual([]);
    expect(events).toContainEqual({ type: 'family.revoked', userId: '1', familyId: decode(first.access).payload.fam, reason: 'admin' });
    expect(events).toContainEqual({ type: 'user.revoked', userId: '1', sessions: 1 });
    expect(() => issuer.revocationCheck({ cacheTtl: 1 } as never)).toThrow(/unknown option "cacheTtl"/);
    expect(() => issuer.listSessions('' as string)).toThrow(/non-empty string/);
  });

  it('refuses session routes without a store, at start-up', async () => {
    expect(() =>
      createIssuer({
        signingKey: SECRET,
        users: { authenticate: async () => null, getUser: async () => null },
        store: null,
        paths: { blacklist: false, ...SESSION_PATHS },
      }),
    ).toThrow(/"paths.sessions" needs a store/);
  });
});
