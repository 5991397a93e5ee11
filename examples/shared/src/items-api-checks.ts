// The checks every items API example passes (examples/express, koa and fastify), over real HTTP: each
// example's test/app.test.ts calls describeItemsApi() with a way to start its app, and describeDevMode().
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createVerifier, remoteJwks, type Verifier } from '@latchkey/core';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from './running-app.js';

/** Starts the example's app with `verifier` on 127.0.0.1, on a free port. */
export type StartItemsApi = (verifier: Verifier) => Promise<RunningApp>;

/** The items API on `framework`, in process, against a mock identity provider. */
export function describeItemsApi(framework: string, start: StartItemsApi): void {
  const audience = 'https://items.example.test';
  let idp: MockIdp;
  let app: RunningApp | undefined;
  let url: string;

  beforeAll(async () => {
    idp = await createMockIdp({ audience });
    const verifier = createVerifier({ keys: remoteJwks(idp.jwksUri), algorithms: ['RS256'], issuer: idp.issuer, audience });
    app = await start(verifier);
    url = `http://127.0.0.1:${app.port}`;
  });

  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  function call(path: string, init: { token?: string; authorization?: string; method?: string; body?: unknown } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.authorization !== undefined) headers.authorization = init.authorization;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(5_000),
    });
  }

  describe(`the items API on ${framework}`, () => {
    it('serves /health to anyone', async () => {
      const res = await call('/health');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('lists items for a token with read:items', async () => {
      const res = await call('/items', { token: await idp.sign({ scope: 'read:items' }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: unknown[] }).items).toContainEqual(expect.objectContaining({ name: 'hammer' }));
    });

    it('answers 401 with a bare challenge when no token is sent', async () => {
      const res = await call('/items');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('answers 403 insufficient_scope for a token without the scope', async () => {
      const res = await call('/items', { token: await idp.sign({ scope: 'openid' }) });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope".*scope="read:items"/);
      expect(await res.json()).toMatchObject({ error: 'insufficient_scope', scope: 'read:items' });
    });

    it('creates an item with write:items, and refuses it with read:items only', async () => {
      const writer = await idp.sign({ sub: 'alice', scope: 'read:items write:items' });
      const created = await call('/items', { method: 'POST', token: writer, body: { name: 'saw' } });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ name: 'saw', createdBy: 'alice' });

      const reader = await idp.sign({ sub: 'bob', scope: 'read:items' });
      const refused = await call('/items', { method: 'POST', token: reader, body: { name: 'drill' } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toContain('scope="write:items"');

      const invalid = await call('/items', { method: 'POST', token: writer, body: { name: '' } });
      expect(invalid.status).toBe(400);

      // Authentication comes before the body is looked at: an anonymous caller learns nothing about it.
      expect((await call('/items', { method: 'POST', body: { name: '' } })).status).toBe(401);
    });

    it('refuses an expired token, a token for another audience and a tampered one with 401 invalid_token', async () => {
      for (const token of [
        await idp.sign({ scope: 'read:items' }, { ageSeconds: 3600 }),
        await idp.sign({ scope: 'read:items', aud: 'https://other.example' }),
        `${(await idp.sign({ scope: 'read:items' })).slice(0, -4)}AAAA`,
      ]) {
        const res = await call('/items', { token });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
        expect(await res.json()).toMatchObject({ error: 'invalid_token' });
      }
    });

    it('answers 400 invalid_request for a malformed Authorization header', async () => {
      const res = await call('/items', { authorization: 'Bearer two tokens' });
      expect(res.status).toBe(400);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
    });

    it('serves /me anonymously and signed in, but not with a bad token', async () => {
      expect(await (await call('/me')).json()).toEqual({ authenticated: false });
      const signedIn = await call('/me', { token: await idp.sign({ sub: 'alice', scope: 'read:items' }) });
      expect(await signedIn.json()).toEqual({ authenticated: true, sub: 'alice', scopes: ['read:items'] });
      expect((await call('/me', { token: await idp.sign({}, { ageSeconds: 3600 }) })).status).toBe(401);
    });

    it('fetched the JWKS once for all of these requests', () => {
      expect(idp.stats.jwksRequests).toBe(1);
    });
  });
}

/** `pnpm start` of the example in `exampleDir` (its src/main.ts), in dev mode, as a child process. */
export function describeDevMode(exampleDir: URL): void {
  describe('pnpm start (dev mode, as a child process)', () => {
    it('starts a mock IdP and the API, prints working tokens, and stops on SIGTERM', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: fileURLToPath(exampleDir),
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ISSUER: undefined, JWKS_URI: undefined },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        const deadline = Date.now() + 15_000;
        while (!/try:[\s\S]*\/me/.test(output)) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the example did not start:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        const bob = /bob +\(read:items\): +(\S+)/.exec(output)?.[1];
        expect(base).toBeDefined();
        expect(bob).toBeDefined();
        expect((await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
        const items = await fetch(`${base}/items`, { headers: { authorization: `Bearer ${bob}` }, signal: AbortSignal.timeout(5_000) });
        expect(items.status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 5_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      expect(code).toBe(0);
    });
  });
}
