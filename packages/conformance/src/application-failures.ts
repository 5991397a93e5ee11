/**
 * The conformance cases where the application's own code misbehaves or says no: an `onEvent` listener that
 * throws, and an `isRevoked` check that refuses the token, throws, or reports its store down. Every adapter
 * must answer each the same way: a throwing listener changes nothing, a revoked token is a 401 like any
 * invalid one, a failing check is the framework's own 5xx (a 503 with its `Retry-After` for a store that
 * says so), with no challenge and never the token in the response.
 */
import { createVerifier, remoteJwks, type Verifier } from '@latchkey/core';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterHarness, ConformanceApp, ConformanceRoute } from './suite.js';

const ROUTES: readonly ConformanceRoute[] = [{ path: '/me', auth: {}, rules: [] }];

/** What a shared store's client throws when it cannot answer: the shape of `@latchkey/redis`'s StoreUnavailableError. */
class StoreDown extends Error {
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = false;
  readonly headers = { 'retry-after': '1' };
}

interface Answer {
  status: number;
  challenge: string | null;
  retryAfter: string | null;
  body: string;
}

async function call(app: ConformanceApp, token: string): Promise<Answer> {
  const response = await fetch(new URL('/me', app.url), { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    retryAfter: response.headers.get('retry-after'),
    body: await response.text(),
  };
}

/** Registers the cases for one adapter, once per rendering. */
export function runApplicationFailureSuite(name: string, harness: AdapterHarness): void {
  describe.each(['json', 'native'] as const)(`${name} conformance: the application's own failures (%s errors)`, (rendering) => {
    let idp: MockIdp;
    let app: ConformanceApp;
    let listenerCalls = 0;
    const revocationChecks: string[] = [];
    const revoked = new Set<string>();

    beforeAll(async () => {
      idp = await createMockIdp({ audience: 'https://api.conformance.test' });
      const verifier: Verifier = createVerifier({
        keys: remoteJwks(idp.jwksUri),
        algorithms: ['RS256'],
        issuer: idp.issuer,
        audience: 'https://api.conformance.test',
        onEvent: () => {
          listenerCalls += 1;
          throw new Error('a bug in the listener');
        },
        isRevoked: (payload) => {
          const subject = String(payload.sub);
          revocationChecks.push(subject);
          if (subject === 'broken') throw new Error('the revocation check crashed');
          if (subject === 'outage') return Promise.reject(new StoreDown('the revocation store did not answer'));
          return revoked.has(subject);
        },
      });
      app = await harness.start({ verifier, routes: ROUTES, rendering });
    });
    afterAll(async () => {
      await app?.close();
      await idp?.close();
    });

    it('answers as usual when the onEvent listener throws on every event', async () => {
      const valid = await idp.sign({ sub: 'alice' });
      const ok = await call(app, valid);
      expect([ok.status, JSON.parse(ok.body).payload.sub]).toEqual([200, 'alice']);
      const expired = await call(app, await idp.sign({ sub: 'alice' }, { ageSeconds: 3600 }));
      expect(expired.status).toBe(401);
      expect(expired.challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
      expect(listenerCalls).toBeGreaterThan(0);
      // The app keeps serving.
      expect((await call(app, valid)).status).toBe(200);
    });

    it('runs isRevoked on every request, a cached token included, and answers 401 invalid_token once it says yes', async () => {
      const token = await idp.sign({ sub: 'erin' });
      expect((await call(app, token)).status).toBe(200);
      expect((await call(app, token)).status).toBe(200);
      revoked.add('erin');
      const refused = await call(app, token);
      expect(refused.status).toBe(401);
      expect(refused.challenge).toBe('Bearer error="invalid_token", error_description="the token has been revoked"');
      if (rendering === 'json') expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_token' });
      expect(revocationChecks.filter((subject) => subject === 'erin')).toHaveLength(3);
    });

    it('fails closed with a 500 and no challenge when isRevoked throws', async () => {
      const token = await idp.sign({ sub: 'broken' });
      const answer = await call(app, token);
      expect([answer.status, answer.challenge]).toEqual([500, null]);
      expect(answer.body).not.toContain(token);
      expect((await call(app, await idp.sign({ sub: 'alice' }))).status).toBe(200);
    });

    it('answers 503 with the store’s Retry-After, no challenge, when isRevoked reports its store down', async () => {
      const token = await idp.sign({ sub: 'outage' });
      const answer = await call(app, token);
      expect([answer.status, answer.retryAfter, answer.challenge]).toEqual([503, '1', null]);
      expect(answer.body).not.toContain(token);
    });
  });
}
