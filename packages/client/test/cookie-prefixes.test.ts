/**
 * What a real browser (Debian's Chromium) enforces about the refresh cookie's name prefixes, the facts
 * the issuer's `refreshCookie` options are built on (RFC 6265bis §4.1.3): a `__Host-` cookie with a
 * `Path` other than `/` is dropped, so it cannot be scoped to the token routes; a `__Secure-` cookie can
 * be scoped by `Path`; neither is kept without `Secure`.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium, type LaunchedBrowser } from './chromium.js';

let chromium: LaunchedBrowser;
beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
});

it('drops a path-scoped __Host- cookie and any prefixed cookie without Secure; scopes __Secure- by path', async () => {
  const cookiesSeen = new Map<string, string>();
  const server = createServer((request: IncomingMessage, response) => {
    cookiesSeen.set(request.url ?? '', request.headers.cookie ?? '');
    if (request.url === '/set') {
      response.setHeader('set-cookie', [
        '__Host-root=1; Path=/; Secure; HttpOnly; SameSite=Strict',
        '__Host-scoped=1; Path=/api/token/; Secure; HttpOnly; SameSite=Strict',
        '__Host-insecure=1; Path=/; HttpOnly; SameSite=Strict',
        '__Secure-scoped=1; Path=/api/token/; Secure; HttpOnly; SameSite=Strict',
        '__Secure-insecure=1; Path=/; HttpOnly; SameSite=Strict',
      ]);
    }
    response.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const context = await chromium.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${url}/set`);
    await page.evaluate(async () => {
      await fetch('/api/token/refresh/', { method: 'POST' });
      await fetch('/api/items', { method: 'POST' });
    });
    const names = (cookie: string) =>
      cookie
        .split('; ')
        .filter(Boolean)
        .map((pair) => pair.split('=')[0])
        .sort();
    expect(names(cookiesSeen.get('/api/token/refresh/')!)).toEqual(['__Host-root', '__Secure-scoped']);
    expect(names(cookiesSeen.get('/api/items')!)).toEqual(['__Host-root']);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  } finally {
    await context.close();
    server.closeAllConnections();
    server.close();
  }
});
