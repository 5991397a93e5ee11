/**
 * Rotation under load, on Express, Koa and Fastify: an issuer on a ring that rotates four times in five
 * seconds, mounted on the framework, and a resource server on the same framework (its @latchkey adapter,
 * a @latchkey/core verifier with remoteJwks on the issuer's JWKS URL, both on 127.0.0.1, no token cache,
 * honouring the issuer's Cache-Control: max-age=1). A bounded loop logs in, refreshes and calls the API with
 * fresh and older (still valid) tokens while the ring turns: zero failed verifications. The control runs
 * the same loop, on each framework, against the rotation people do without a ring — a new key replaces the
 * old one at once — and the loop catches it (it stops at the first failure, so it costs about a second).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createVerifier, remoteJwks } from '@latchkey/core';
import { describe, expect, it } from 'vitest';
import { createIssuer, type Issuer } from '../src/issuer.js';
import { memoryStore } from '../src/store/memory.js';
import type { IssuerOptions } from '../src/options.js';
import type { MemoryUser } from '../src/users/memory-users.js';
import { API_MOUNTS, closedAfterEach, ISSUER_MOUNTS, MOUNT_NAMES, type MountName } from './frameworks.js';
import { decode, send, testUsers } from './helpers.js';

const ROTATIONS = 4;
const PERIOD_MS = 1000;
const LIFETIMES = { accessTokenLifetimeSeconds: 3, refreshTokenLifetimeSeconds: 3, jwksMaxAgeSeconds: 1 } as const;
// The resource server's clock tolerance: the ring's margin must cover it (retireMarginSeconds below).
const TOLERANCE_SECONDS = 1;
const MAX_ITERATIONS = 3000;
// A token is used again only while it has this long to live (plus the tolerance): request latency.
const STILL_VALID_MS = 1000;

const track = closedAfterEach();

interface Outcome {
  checks: number;
  /** Checks of tokens issued earlier (perhaps by a key that has stopped signing since). */
  olderChecks: number;
  failures: string[];
  kids: Set<string>;
}

/** Issues and verifies until `durationMs` or {@link MAX_ITERATIONS}, or (`stopAtFailure`) the first failure. */
async function load(issuerUrl: string, apiUrl: string, durationMs: number, stopAtFailure: boolean): Promise<Outcome> {
  const outcome: Outcome = { checks: 0, olderChecks: 0, failures: [], kids: new Set() };
  const pool: Array<{ access: string; refresh: string; exp: number }> = [];
  const check = async (what: string, answer: Promise<{ status: number; text: string }>): Promise<void> => {
    const { status, text } = await answer;
    outcome.checks += 1;
    if (status !== 200) outcome.failures.push(`${what}: ${status} ${text.slice(0, 120)}`);
  };
  const started = Date.now();
  for (let iteration = 0; iteration < MAX_ITERATIONS && Date.now() - started < durationMs; iteration += 1) {
    if (stopAtFailure && outcome.failures.length > 0) break;
    const login = await send(`${issuerUrl}/api/token/`, { body: { username: 'alice', password: 'wonderland' } });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    const pair = login.body as { access: string; refresh: string };
    outcome.kids.add(String(decode(pair.access).header.kid));
    pool.push({ ...pair, exp: Number(decode(pair.access).payload.exp) });
    await check('fresh access token at the API', send(`${apiUrl}/api/me`, { method: 'GET', headers: { authorization: `Bearer ${pair.access}` } }));
    // An older token of the pool, signed perhaps by a key that has rotated out of signing since.
    const now = Date.now();
    // The oldest token that still has STILL_VALID_MS to live: about one period old, so signed by the key before.
    while (pool.length > 0 && pool[0]!.exp * 1000 < now + STILL_VALID_MS) pool.shift();
    const older = pool[0];
    if (older !== undefined && older.exp * 1000 > now + STILL_VALID_MS) {
      outcome.olderChecks += 1;
      await check('older access token at the API', send(`${apiUrl}/api/me`, { method: 'GET', headers: { authorization: `Bearer ${older.access}` } }));
      await check('older refresh token at the issuer', send(`${issuerUrl}/api/token/refresh/`, { body: { refresh: older.refresh } }));
    }
  }
  return outcome;
}

/** The API on `mount`: its adapter and the core verifier on the issuer's JWKS over HTTP, honouring its max-age, no token cache. */
async function resourceServer(mount: MountName, issuerUrl: string): Promise<string> {
  const verifier = createVerifier({
    keys: remoteJwks(`${issuerUrl}/.well-known/jwks.json`, { minCacheAgeMs: 500 }),
    algorithms: ['EdDSA'],
    issuer: null,
    audience: null,
    typ: 'at+jwt',
    clockToleranceSeconds: TOLERANCE_SECONDS,
    tokenCache: false,
  });
  return track(await API_MOUNTS[mount](verifier)).url;
}

const newKey = () => generateKeyPairSync('ed25519').privateKey;

describe.each(MOUNT_NAMES)('rotation under load on %s', (mount) => {
  it(`rotates ${ROTATIONS} times while tokens are issued, refreshed and verified: zero failures`, async () => {
    const start = Date.now();
    const keys = Array.from({ length: ROTATIONS + 1 }, (_, index) => ({ key: newKey(), activateAt: new Date(start - 1 + index * PERIOD_MS).toISOString() }));
    // One user logs in hundreds of times: lift the per-user session bound, which would otherwise revoke the oldest sessions.
    const issuer = createIssuer<MemoryUser>({
      users: await testUsers(),
      store: memoryStore({ maxSessionsPerUser: 100_000 }),
      algorithm: 'EdDSA',
      ...LIFETIMES,
      keyRing: { keys, retireMarginSeconds: TOLERANCE_SECONDS },
    });
    const issuerUrl = track(await ISSUER_MOUNTS[mount](issuer, {})).url;
    const apiUrl = await resourceServer(mount, issuerUrl);

    const outcome = await load(issuerUrl, apiUrl, ROTATIONS * PERIOD_MS + 1500, false);

    expect(outcome.failures).toEqual([]);
    // A floor that holds on a busy machine (the full suite runs beside it); the kids below prove the coverage.
    expect(outcome.checks).toBeGreaterThan(20);
    expect(outcome.olderChecks).toBeGreaterThan(10);
    // It did rotate: every key signed, and the first ones have retired from the JWKS by now.
    expect(outcome.kids.size).toBe(ROTATIONS + 1);
    const states = issuer.keyStates().map((key) => key.state);
    expect(states[0]).toBe('retired');
    expect(states.at(-1)).toBe('active');
    expect(issuer.jwks().keys.map((key) => key.kid)).not.toContain(issuer.keyStates()[0]!.kid);
  });

  it('control: a rotation without overlap (the new key replaces the old one at once) fails verifications', async () => {
    const users = await testUsers();
    const options: Partial<IssuerOptions<MemoryUser>> = { algorithm: 'EdDSA', ...LIFETIMES };
    const issuers: Array<Issuer<MemoryUser>> = Array.from({ length: ROTATIONS + 1 }, () =>
      createIssuer<MemoryUser>({ users, signingKey: newKey(), ...options }),
    );
    const start = Date.now();
    // What a restart with a new signingKey does: at each instant one key signs and is the only one published.
    const current = (): Issuer<MemoryUser> => issuers[Math.min(ROTATIONS, Math.floor((Date.now() - start) / PERIOD_MS))]!;
    const restarted: Issuer<MemoryUser> = { ...issuers[0]!, handle: (request) => current().handle(request), owns: (path) => current().owns(path) };
    const issuerUrl = track(await ISSUER_MOUNTS[mount](restarted, {})).url;
    const apiUrl = await resourceServer(mount, issuerUrl);

    const outcome = await load(issuerUrl, apiUrl, ROTATIONS * PERIOD_MS + 1500, true);

    expect(outcome.failures.length).toBeGreaterThan(0);
    expect(outcome.failures[0]).toMatch(/older (access token at the API: 401|refresh token at the issuer: 401)/);
  });
});
