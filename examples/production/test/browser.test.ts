/**
 * The SPA in real Chromium, through nginx, against two instances and Redis, with 3-second access tokens:
 * log in, silent refresh past expiry, two tabs refreshing at once, a stolen refresh token replayed from
 * another browser, log out, log out everywhere. Screenshots of the main screens go to artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redisStore } from '@latchkey/redis';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_DIR } from '../src/stack/stack.js';
import { launchChromium } from './chromium.js';
import { claimsOf, startTestStack, type TestStack } from './fixture.js';

const ACCESS_LIFETIME_SECONDS = 3;
const screenshots = join(EXAMPLE_DIR, 'artifacts', 'screenshots');

let stack: TestStack;
let browser: Browser;
let redis: Redis;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  [stack, browser] = await Promise.all([startTestStack({ accessTokenLifetimeSeconds: ACCESS_LIFETIME_SECONDS }), launchChromium()]);
  redis = new Redis({ host: '127.0.0.1', port: stack.redisPort, ...stack.redisAuth, lazyConnect: true });
  await redis.connect();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  redis?.disconnect();
  await stack?.dispose();
});

const family = (id: string) => redisStore({ client: redis }).getFamily('1', id);

/** A fresh browser profile ("another browser"), with every token request it sends recorded. */
async function newBrowser(): Promise<{ context: BrowserContext; refreshBodies: string[] }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
  contexts.push(context);
  const refreshBodies: string[] = [];
  context.on('request', (request) => {
    if (request.url().endsWith('/api/token/refresh/')) refreshBodies.push(request.postData() ?? '');
  });
  return { context, refreshBodies };
}

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${stack.url}/`);
  await page.waitForFunction(() => document.body.dataset.view !== undefined);
  return page;
}

/** Signs in through the form; resolves the token pair as it crossed the wire (the page never shows it). */
async function signIn(page: Page): Promise<{ access: string; refresh: string }> {
  await page.fill('#username', 'alice');
  await page.fill('#password', 'wonderland');
  const answer = page.waitForResponse((response) => response.url().endsWith('/api/token/'));
  await page.click('#login');
  const tokens = (await (await answer).json()) as { access: string; refresh: string };
  await page.waitForFunction(() => document.body.dataset.view === 'app' && document.getElementById('instance')!.textContent !== '—');
  return tokens;
}

const view = (page: Page) => page.evaluate(() => document.body.dataset.view);
const message = (page: Page, id: 'app-message' | 'login-message') => page.locator(`#${id}`).textContent();

describe('the SPA through nginx', () => {
  let tab1: Page;
  let tab2: Page;
  let firstLogin: { access: string; refresh: string };
  let main: Awaited<ReturnType<typeof newBrowser>>;

  it('logs in, shows protected data, keeps no token in storage', async () => {
    main = await newBrowser();
    tab1 = await open(main.context);
    expect(await view(tab1)).toBe('login');
    await tab1.screenshot({ path: join(screenshots, '1-sign-in.png') });
    firstLogin = await signIn(tab1);
    expect(await tab1.locator('#who').textContent()).toBe('alice');
    expect(await tab1.locator('#address').textContent()).toBe('127.0.0.1');
    expect(await tab1.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }))).toEqual({
      local: 0,
      session: 0,
      cookie: '',
    });
    await tab1.screenshot({ path: join(screenshots, '2-protected-data.png') });
  });

  it('stays logged in past the access lifetime: the next call refreshes silently', async () => {
    const before = main.refreshBodies.length;
    await tab1.waitForTimeout(ACCESS_LIFETIME_SECONDS * 1000 + 500);
    const me = tab1.waitForResponse((response) => response.url().endsWith('/api/me'));
    await tab1.click('#load');
    expect((await me).status()).toBe(200);
    expect(main.refreshBodies.length).toBe(before + 1);
    expect(await tab1.locator('#refreshes').textContent()).toBe('1');
    expect(await view(tab1)).toBe('app');
  });

  it('a second tab takes the session, and both refreshing at once never present one refresh token twice', async () => {
    tab2 = await open(main.context);
    await tab2.waitForFunction(() => document.body.dataset.view === 'app');
    const before = main.refreshBodies.length;
    await Promise.all([tab1.evaluate(() => document.getElementById('refresh')!.click()), tab2.evaluate(() => document.getElementById('refresh')!.click())]);
    for (const tab of [tab1, tab2]) await tab.waitForFunction(() => document.getElementById('app-message')!.textContent!.startsWith('Loaded at'));
    const presented = main.refreshBodies.slice(before);
    expect(presented.length).toBeGreaterThanOrEqual(1);
    expect(new Set(presented).size).toBe(presented.length);
    const record = await family(String(claimsOf(firstLogin.access).fam));
    expect(record?.revokedAt).toBeUndefined();
    expect([await view(tab1), await view(tab2)]).toEqual(['app', 'app']);
    await tab2.screenshot({ path: join(screenshots, '3-second-tab.png') });
  });

  it('a stolen, already rotated refresh token replayed from another browser revokes the family', async () => {
    const attacker = await open((await newBrowser()).context);
    const status = await attacker.evaluate(async (refresh) => {
      const response = await fetch('/api/token/refresh/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh }),
      });
      return response.status;
    }, firstLogin.refresh);
    expect(status).toBe(401);
    const record = await family(String(claimsOf(firstLogin.access).fam));
    expect(record?.revokedReason).toBe('reuse');
    // The owner's still unexpired access token is refused too (Redis revocation check on every instance).
    await tab1.click('#load');
    await tab1.waitForFunction(() => document.body.dataset.view === 'login');
    expect(await message(tab1, 'login-message')).toContain('session has ended');
    await tab2.waitForFunction(() => document.body.dataset.view === 'login');
    await tab1.screenshot({ path: join(screenshots, '4-session-ended.png') });
  });

  it('logs out: every tab follows, and the refresh token is refused afterwards', async () => {
    const tokens = await signIn(tab1);
    await tab1.click('#logout');
    await tab1.waitForFunction(() => document.getElementById('login-message')!.textContent === 'You are logged out.');
    const replay = await fetch(`${stack.url}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: tokens.refresh }),
    });
    expect(replay.status).toBe(401);
    expect(await view(tab2)).toBe('login');
  });

  it('logs out everywhere from a second browser: the first browser is signed out at its next call', async () => {
    const first = await signIn(tab1);
    const other = await open((await newBrowser()).context);
    const second = await signIn(other);
    await other.click('#logout-all');
    await other.waitForFunction(() => document.getElementById('login-message')!.textContent!.startsWith('Logged out everywhere'));
    expect(await message(other, 'login-message')).toMatch(/^Logged out everywhere \([2-9]\d* sessions ended\)\.$/);
    await other.screenshot({ path: join(screenshots, '5-logged-out-everywhere.png') });
    for (const tokens of [first, second]) expect((await family(String(claimsOf(tokens.access).fam)))?.revokedAt).toBeTypeOf('number');
    await tab1.click('#load');
    await tab1.waitForFunction(() => document.body.dataset.view === 'login');
    expect(await message(tab1, 'login-message')).toContain('session has ended');
  });
});
