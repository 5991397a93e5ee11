/** The issuer's tour: a local @latchkey/issuer, and the log-in, refresh, reuse and blacklist requests shown to a newcomer. */
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, remoteJwks } from '@latchkey/core';
import { createIssuer, createMemoryUsers, type IssuerEvent, type MemoryUser } from '@latchkey/issuer';
import { issuerRoutes } from '@latchkey/issuer/express';
import express from 'express';
import { createApi } from './api.js';
import { answerLines } from './demo.js';
import { USERS } from './identity-provider.js';

/** The `iss` and `aud` of the issuer's tokens. */
export const ISSUER = 'https://login.demo.test';
export const ISSUER_AUDIENCE = 'https://items.demo.test';

export interface IssuerDemo {
  /** The simplejwt-style login endpoints and, on the same server, the items API that trusts them. */
  readonly url: string;
  /** What the issuer reported (reuse detection, revocations...). */
  readonly events: IssuerEvent[];
  close(): Promise<void>;
}

/**
 * Starts the second half of the demo: `@latchkey/issuer` with the demo's users (scrypt-hashed in memory),
 * an Ed25519 key, refresh-token rotation with reuse detection, and the items API verifying its access tokens
 * through the published JWKS, as any resource server would.
 */
export async function startIssuerDemo({ host = '127.0.0.1' } = {}): Promise<IssuerDemo> {
  const users = await createMemoryUsers(USERS.map((user) => ({ id: user.username, username: user.username, password: user.password, scope: user.scope })));
  const events: IssuerEvent[] = [];
  const issuer = createIssuer<MemoryUser>({
    signingKey: generateKeyPairSync('ed25519').privateKey,
    algorithm: 'EdDSA',
    users,
    issuer: ISSUER,
    audience: ISSUER_AUDIENCE,
    rotateRefreshTokens: true,
    // Scopes read from the user at every refresh, never copied from an old token.
    claims: (user) => ({ scope: user.scope }),
    onEvent: (event) => events.push(event),
  });
  const app = express();
  app.use(issuerRoutes(issuer));
  const server: Server = app.listen(0, host);
  await once(server, 'listening');
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const verifier = createVerifier({
    keys: remoteJwks(`${url}/.well-known/jwks.json`),
    algorithms: ['EdDSA'],
    issuer: ISSUER,
    audience: ISSUER_AUDIENCE,
    typ: 'at+jwt',
  });
  app.use(createApi(verifier));
  return {
    url,
    events,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One request of the issuer tour and its answer. */
export interface IssuerStep {
  title: string;
  method: 'GET' | 'POST';
  path: string;
  sent: string | undefined;
  expectedStatus: number;
  status: number;
  statusText: string;
  wwwAuthenticate: string | null;
  responseBody: string;
}

const shorten = (token: string): string => `${token.slice(0, 12)}…${token.slice(-6)}`;

/** Logs in, calls the API, refreshes, replays an old refresh token, blacklists: the simplejwt client's life. */
export async function runIssuerTour({ url }: IssuerDemo): Promise<IssuerStep[]> {
  const steps: IssuerStep[] = [];
  async function step(
    title: string,
    method: 'GET' | 'POST',
    path: string,
    expectedStatus: number,
    options: { json?: Record<string, string>; bearer?: string } = {},
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    const shown =
      options.bearer !== undefined
        ? `Authorization: Bearer ${shorten(options.bearer)}`
        : options.json === undefined
          ? undefined
          : JSON.stringify(Object.fromEntries(Object.entries(options.json).map(([k, v]) => [k, v.length > 40 ? shorten(v) : v])));
    steps.push({
      title,
      method,
      path,
      sent: shown,
      expectedStatus,
      status: res.status,
      statusText: res.statusText,
      wwwAuthenticate: res.headers.get('www-authenticate'),
      responseBody: text.length > 200 ? `${text.slice(0, 200)}…` : text,
    });
    return text.startsWith('{') ? (JSON.parse(text) as Record<string, string>) : {};
  }

  await step('Log in with a wrong password', 'POST', '/api/token/', 401, { json: { username: 'alice', password: 'guess' } });
  const first = await step('Log in as alice: a refresh token and an access token (typ at+jwt)', 'POST', '/api/token/', 200, {
    json: { username: 'alice', password: 'wonderland' },
  });
  await step('Call the protected API with the access token', 'GET', '/items', 200, { bearer: first.access! });
  await step('A refresh token is never an access token', 'GET', '/items', 401, { bearer: first.refresh! });
  const second = await step('Refresh: a new access token and a new refresh token (rotation)', 'POST', '/api/token/refresh/', 200, {
    json: { refresh: first.refresh! },
  });
  await step('The new access token works', 'GET', '/items', 200, { bearer: second.access! });
  await step('Replay the old refresh token (a thief would): reuse detected, the family is revoked', 'POST', '/api/token/refresh/', 401, {
    json: { refresh: first.refresh! },
  });
  await step('…so the latest refresh token is dead too', 'POST', '/api/token/refresh/', 401, { json: { refresh: second.refresh! } });
  const again = await step('Log in again', 'POST', '/api/token/', 200, { json: { username: 'alice', password: 'wonderland' } });
  await step('Blacklist (log out) this session', 'POST', '/api/token/blacklist/', 200, { json: { refresh: again.refresh! } });
  await step('Its refresh token is refused', 'POST', '/api/token/refresh/', 401, { json: { refresh: again.refresh! } });
  await step('The public key any resource server verifies with', 'GET', '/.well-known/jwks.json', 200);
  return steps;
}

/** The issuer tour as text. */
export function formatIssuerTour(steps: readonly IssuerStep[]): string {
  return steps
    .map((step, index) => {
      const lines = [`${index + 1}. ${step.title}`, `   ${step.method} ${step.path}`];
      if (step.sent !== undefined) lines.push(`   ${step.sent}`);
      return [...lines, ...answerLines(step)].join('\n');
    })
    .join('\n\n');
}
