/**
 * Session lifetimes over real HTTP (Express mount): the absolute lifetime from login is never extended by
 * rotation, and the idle timeout is measured from the last use; both are checked on every refresh.
 * Logout everywhere through the store's revocation epoch refuses every earlier session of the user.
 */
import { describe, expect, it } from 'vitest';
import { issuerPerTest, login, send } from './helpers.js';

const start = issuerPerTest();
const refreshOnce = (url: string, refresh: string) => send(`${url}/api/token/refresh/`, { body: { refresh } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('session lifetime', () => {
  it('refuses a refresh after the absolute lifetime even though every rotation renewed the refresh token', async () => {
    const { url } = await start({ rotateRefreshTokens: true, sessionLifetimeSeconds: 2 });
    let { refresh } = await login(url);
    await sleep(400);
    const first = await refreshOnce(url, refresh);
    expect(first.status).toBe(200);
    refresh = (first.body as { refresh: string }).refresh;
    await sleep(1800);
    const late = await refreshOnce(url, refresh);
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ code: 'token_not_valid' });
  });

  it('refuses a refresh after an idle pause longer than the timeout, not after shorter ones (rotation off)', async () => {
    const { url } = await start({ idleTimeoutSeconds: 2 });
    const { refresh } = await login(url);
    for (let use = 0; use < 3; use += 1) {
      await sleep(600);
      expect((await refreshOnce(url, refresh)).status).toBe(200);
    }
    await sleep(2600);
    expect((await refreshOnce(url, refresh)).status).toBe(401);
  });

  it('refuses every earlier session of a user after logout everywhere, and accepts a new login', async () => {
    const { url, issuer } = await start({ rotateRefreshTokens: true });
    const phone = await login(url);
    const laptop = await login(url);
    const store = issuer.store!;
    await sleep(5);
    const userId = '1';
    expect((await store.listFamilies(userId, 10)).length).toBe(2);
    expect(await store.revokeUser(userId, Date.now(), Date.now() + 86_400_000)).toBe(2);
    for (const pair of [phone, laptop]) {
      const answer = await refreshOnce(url, pair.refresh);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'token_not_valid' });
    }
    await sleep(5);
    const fresh = await login(url);
    expect((await refreshOnce(url, fresh.refresh)).status).toBe(200);
    expect(await store.listFamilies(userId, 10)).toHaveLength(1);
  });
});
