// The README's quick start, run as it is printed there (keep the two in step).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMockIdp, tamperToken, type MockIdp } from '@latchkey/testing';

// The API under test: here a tiny node:http app checking tokens with jose; in your suite, your own app,
// configured with the mock IdP's issuer (or JWKS URL) and audience.
function createApp(options: { issuer: string; audience: string }): Server {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/.well-known/jwks.json`));
  return createServer(async (req, res) => {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    try {
      const { payload } = await jwtVerify(token ?? '', jwks, { issuer: options.issuer, audience: options.audience });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ user: payload.sub }));
    } catch {
      res.writeHead(401).end();
    }
  });
}

let idp: MockIdp;
let app: Server;
let baseUrl: string;

beforeAll(async () => {
  idp = await createMockIdp({ audience: 'https://api.example' });
  app = createApp({ issuer: idp.issuer, audience: 'https://api.example' });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
  await idp.close();
});

const get = (token?: string) =>
  fetch(`${baseUrl}/me`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

it('accepts a token from the IdP', async () => {
  const res = await get(await idp.sign({ sub: 'alice' }));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ user: 'alice' });
});

it('refuses an expired token', async () => {
  expect((await get(await idp.sign({}, { ageSeconds: 600 }))).status).toBe(401);
});

it('refuses a token for another audience', async () => {
  expect((await get(await idp.sign({ aud: 'https://other.example' }))).status).toBe(401);
});

it('refuses a tampered token', async () => {
  const token = await idp.sign({ scope: 'read' });
  expect((await get(tamperToken(token, { payload: { scope: 'admin' } }))).status).toBe(401);
});

it('fetches the JWKS once, and rides out an IdP outage on its cached keys', async () => {
  expect(idp.stats.jwksRequests).toBe(1);
  idp.setBehavior('down');
  expect((await get(await idp.sign())).status).toBe(200);
  idp.setBehavior('ok');
});
