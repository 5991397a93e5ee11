// What the README's Errors section promises about Express's default error handler (finalhandler), and why
// the quick start always registers authErrorHandler(): without it, every refused request logs a stack
// trace and, outside production, sends that stack trace to the client.
import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import express from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVerifier, hmacSecrets } from '@latchkey/core';
import { createTokenFactory, generateHmacSecret } from '@latchkey/testing';
import { authErrorHandler, authenticate } from '@latchkey/express';
import { get, serverPerTest } from '@latchkey/conformance';

// An HMAC secret is enough here: what is under test is Express's handling of the error, not the keys.
const secret = generateHmacSecret('HS256');
const tokens = createTokenFactory({ issuer: 'https://idp.example.test/', audience: 'https://api.example.test', key: secret });
const verifier = createVerifier({ keys: hmacSecrets(secret.secret), algorithms: ['HS256'], issuer: tokens.issuer, audience: 'https://api.example.test' });

const serve = serverPerTest();
afterEach(() => {
  vi.restoreAllMocks();
});

/** What console.error printed: Express 5 passes the error itself (Node prints its stack), Express 4 `err.stack`. */
const logged = (log: { mock: { calls: unknown[][] } }): string => format(...(log.mock.calls[0] ?? []));

/** An app in the given Express environment (Express reads NODE_ENV, which vitest sets to "test"). */
function app(createExpress: typeof express, env: 'development' | 'production', withHandler: boolean): express.Express {
  const app = createExpress();
  app.set('env', env);
  app.get('/', authenticate({ verifier }), (_req, res) => {
    res.end('ok');
  });
  if (withHandler) app.use(authErrorHandler());
  return app;
}

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
])('%s', (_major, createExpress) => {
  describe('without authErrorHandler', () => {
    it('outside production, logs a stack trace per 401 and sends it to the client', async () => {
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      const res = await get(await serve(app(createExpress, 'development', false)), await tokens.sign({}, { ageSeconds: 600 }));
      expect(res.status).toBe(401);
      expect(res.challenge).toMatch(/^Bearer error="invalid_token"/);
      expect(res.body).toMatch(/LatchkeyError: the token has expired<br> &nbsp; &nbsp;at /);
      await vi.waitFor(() => expect(log).toHaveBeenCalledTimes(1)); // finalhandler logs on the next tick
      expect(logged(log)).toMatch(/^LatchkeyError: the token has expired\n\s+at /);
    });

    it('in production, still logs the stack trace; the client gets the bare status text', async () => {
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      const res = await get(await serve(app(createExpress, 'production', false)));
      expect(res.status).toBe(401);
      expect(res.body).toContain('<pre>Unauthorized</pre>');
      expect(res.body).not.toMatch(/\bat /);
      await vi.waitFor(() => expect(log).toHaveBeenCalledTimes(1));
      expect(logged(log)).toMatch(/^LatchkeyError: authentication is required\n\s+at /);
    });
  });

  describe('with authErrorHandler', () => {
    it('logs nothing and sends the RFC 6750 JSON body, in any environment', async () => {
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      for (const env of ['development', 'production'] as const) {
        const res = await get(await serve(app(createExpress, env, true)), await tokens.sign({}, { ageSeconds: 600 }));
        expect(res.status).toBe(401);
        expect(JSON.parse(res.body)).toEqual({ error: 'invalid_token', error_description: 'the token has expired' });
      }
      await new Promise((resolve) => setTimeout(resolve, 20)); // past the tick on which finalhandler would log
      expect(log).not.toHaveBeenCalled();
    });
  });
});

describe('the README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('registers authErrorHandler() after the routes in the quick start', () => {
    const quickStart = /## Quick start\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const lastRoute = Math.max(quickStart.lastIndexOf('app.get('), quickStart.lastIndexOf('app.delete('));
    expect(lastRoute).toBeGreaterThan(0);
    expect(quickStart.indexOf('app.use(authErrorHandler());')).toBeGreaterThan(lastRoute);
  });

  it('says what happens without it', () => {
    expect(readme).toMatch(/Without `authErrorHandler\(\)`/);
    expect(readme).toMatch(/logs the error's stack trace/);
    expect(readme).toMatch(/outside production[^.]*sends that stack trace to the client/);
  });
});
