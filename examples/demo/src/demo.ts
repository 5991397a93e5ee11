/** The demo: a local identity provider and a protected API, and the tour of requests run against them. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, oidcDiscovery } from '@latchkey/core';
import { createApi } from './api.js';
import { USERS, startIdentityProvider, type IdentityProvider } from './identity-provider.js';

export const AUDIENCE = 'https://items.demo.test';

export interface Demo {
  readonly apiUrl: string;
  readonly provider: IdentityProvider;
  close(): Promise<void>;
}

/**
 * Starts the identity provider and the protected API, both on `host` (127.0.0.1 unless told otherwise).
 * The API listens on `port`; when that port is taken and `fallbackToFreePort` is set, on a free one.
 */
export async function startDemo({ host = '127.0.0.1', port = 0, fallbackToFreePort = false } = {}): Promise<Demo> {
  const provider = await startIdentityProvider({ audience: AUDIENCE });
  try {
    // Built once: the options are checked now; the keys are found through discovery and cached.
    const verifier = createVerifier({ keys: oidcDiscovery(provider.issuer), algorithms: ['RS256'], issuer: provider.issuer, audience: AUDIENCE });
    await verifier.warm();
    const app = createApi(verifier);
    let server: Server;
    try {
      server = await listen(app, port, host);
    } catch (error) {
      if (!fallbackToFreePort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      server = await listen(app, 0, host);
    }
    return {
      apiUrl: `http://${host}:${(server.address() as AddressInfo).port}`,
      provider,
      async close() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await provider.close();
      },
    };
  } catch (error) {
    await provider.close();
    throw error;
  }
}

function listen(app: ReturnType<typeof createApi>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server)).once('error', reject);
  });
}

/** One request of the tour and its answer. */
export interface TourStep {
  title: string;
  method: 'GET' | 'POST';
  path: string;
  /** What was sent in `Authorization`, as shown to the reader (tokens shortened). */
  authorizationShown: string | undefined;
  body: unknown;
  expectedStatus: number;
  status: number;
  statusText: string;
  wwwAuthenticate: string | null;
  responseBody: string;
}

interface TourRequest {
  title: string;
  method: 'GET' | 'POST';
  path: string;
  /** A token to send as `Bearer <token>`, and whose it is (shown shortened). */
  token?: string;
  who?: string;
  /** Or a raw Authorization header. */
  authorization?: string;
  body?: unknown;
  expectedStatus: number;
}

const shorten = (token: string): string => `${token.slice(0, 16)}…${token.slice(-6)}`;

/** Sends the requests a newcomer should try, and returns each answer. */
export async function runTour({ apiUrl, provider }: Demo): Promise<TourStep[]> {
  const alice = await provider.issueToken('alice');
  const bob = await provider.issueToken('bob');
  const expired = await provider.idp.sign({ sub: 'alice', scope: 'read:items write:items' }, { ageSeconds: 2 * 3600 });

  const requests: TourRequest[] = [
    { title: 'A valid token: alice (read:items write:items) lists the items', method: 'GET', path: '/items', token: alice, who: 'alice', expectedStatus: 200 },
    {
      title: 'A valid token with the write scope: alice adds an item',
      method: 'POST',
      path: '/items',
      token: alice,
      who: 'alice',
      body: { name: 'saw' },
      expectedStatus: 201,
    },
    {
      title: 'A token without the scope: bob (read:items only) tries to add an item',
      method: 'POST',
      path: '/items',
      token: bob,
      who: 'bob',
      body: { name: 'drill' },
      expectedStatus: 403,
    },
    {
      title: 'An expired token: signed by the same provider, expired an hour ago',
      method: 'GET',
      path: '/items',
      token: expired,
      who: 'alice, expired',
      expectedStatus: 401,
    },
    { title: 'No token at all: a bare challenge tells the client to authenticate', method: 'GET', path: '/items', expectedStatus: 401 },
    { title: 'A malformed Authorization header (two credentials)', method: 'GET', path: '/items', authorization: 'Bearer abc def', expectedStatus: 400 },
    { title: 'An optional route called anonymously: /me answers without a token', method: 'GET', path: '/me', expectedStatus: 200 },
  ];

  const steps: TourStep[] = [];
  for (const { token, who, authorization = token === undefined ? undefined : `Bearer ${token}`, ...request } of requests) {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${apiUrl}${request.path}`, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(5_000),
    });
    steps.push({
      ...request,
      body: request.body,
      authorizationShown: token === undefined ? authorization : `Bearer ${shorten(token)}  (${who})`,
      status: res.status,
      statusText: res.statusText,
      wwwAuthenticate: res.headers.get('www-authenticate'),
      responseBody: await res.text(),
    });
  }
  return steps;
}

/** What a tour step's answer looks like in the printed tour (status, challenge, body); shared by both tours. */
export function answerLines(step: Pick<TourStep, 'status' | 'expectedStatus' | 'statusText' | 'wwwAuthenticate' | 'responseBody'>): string[] {
  const mark = step.status === step.expectedStatus ? '' : `   ✗ expected ${step.expectedStatus}`;
  const lines = [`   → ${step.status} ${step.statusText}${mark}`];
  if (step.wwwAuthenticate !== null) lines.push(`     WWW-Authenticate: ${step.wwwAuthenticate}`);
  lines.push(`     ${step.responseBody}`);
  return lines;
}

/** The tour as text, one block per request. */
export function formatTour(steps: readonly TourStep[]): string {
  return steps
    .map((step, index) => {
      const lines = [`${index + 1}. ${step.title}`, `   ${step.method} ${step.path}`];
      if (step.authorizationShown !== undefined) lines.push(`   Authorization: ${step.authorizationShown}`);
      if (step.body !== undefined) lines.push(`   ${JSON.stringify(step.body)}`);
      return [...lines, ...answerLines(step)].join('\n');
    })
    .join('\n\n');
}

/** Copy-paste curl commands with fresh tokens. */
export async function curlCommands({ apiUrl, provider }: Demo): Promise<string> {
  const alice = await provider.issueToken('alice');
  const bob = await provider.issueToken('bob');
  const users = USERS.map((user) => `${user.username} / ${user.password}`).join(', ');
  return [
    `# fresh tokens, valid for an hour: alice (read:items write:items), bob (read:items)`,
    `ALICE='${alice}'`,
    `BOB='${bob}'`,
    ``,
    `curl -i ${apiUrl}/items`,
    `curl -i -H "Authorization: Bearer $ALICE" ${apiUrl}/items`,
    `curl -i -H "Authorization: Bearer $ALICE" -H 'content-type: application/json' -d '{"name":"saw"}' ${apiUrl}/items`,
    `curl -i -H "Authorization: Bearer $BOB" -H 'content-type: application/json' -d '{"name":"drill"}' ${apiUrl}/items`,
    `curl -i -H "Authorization: Bearer $BOB" ${apiUrl}/me`,
    `curl -i -H 'Authorization: Bearer not-a-jwt' ${apiUrl}/items`,
    ``,
    `# a new token from the identity provider's token endpoint (users: ${users})`,
    `curl -s -d grant_type=password -d username=bob -d password=builder ${provider.tokenEndpoint}`,
    `# what the API discovers: the provider's metadata and keys`,
    `curl -s ${provider.issuer}/.well-known/openid-configuration`,
    `curl -s ${provider.idp.jwksUri}`,
  ].join('\n');
}
