/**
 * Test plumbing: an issuer with two users behind a real HTTP server on 127.0.0.1 (the Express mount), and
 * small request helpers. Plain module, not a test file.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach } from 'vitest';
import { createIssuer, type Issuer } from '../src/issuer.js';
import { issuerRoutes } from '../src/express.js';
import type { IssuerOptions } from '../src/options.js';
import { createMemoryUsers, type MemoryUser, type MemoryUsers } from '../src/users/memory-users.js';

export const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';
/** Cheap scrypt for tests that are not about its cost. */
export const TEST_COST = { N: 2 ** 12, r: 8, p: 1 };

export interface Started {
  readonly url: string;
  readonly issuer: Issuer<MemoryUser>;
  readonly users: MemoryUsers;
}

export async function testUsers(): Promise<MemoryUsers> {
  return createMemoryUsers(
    [
      { id: '1', username: 'alice', password: 'wonderland', role: 'admin' },
      { id: '2', username: 'bob', password: 'builder', isActive: false },
    ],
    { cost: TEST_COST },
  );
}

/** Starts servers and closes them after each test. */
export function issuerPerTest(): (options?: Partial<IssuerOptions<MemoryUser>>) => Promise<Started> {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise((resolve) => {
            server.closeAllConnections();
            server.close(resolve);
          }),
      ),
    );
  });
  return async (options = {}) => {
    const users = await testUsers();
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users, ...options });
    const app = express();
    app.use(issuerRoutes(issuer));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, issuer, users };
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: unknown;
}

/** Sends a request; `body` objects go as JSON unless `form` is set; strings go as they are. */
export async function send(
  url: string,
  init: { method?: string; body?: unknown; form?: boolean; contentType?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers = new Headers(init.headers);
  let body: string | undefined;
  if (typeof init.body === 'string') body = init.body;
  else if (init.body !== undefined && init.form === true) body = new URLSearchParams(init.body as Record<string, string>).toString();
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  const contentType = init.contentType ?? (init.form === true ? 'application/x-www-form-urlencoded' : body === undefined ? undefined : 'application/json');
  if (contentType !== undefined) headers.set('content-type', contentType);
  const response = await fetch(url, { method: init.method ?? 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Decodes a JWT's header and payload (no verification: for assertions). */
export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return { header: JSON.parse(Buffer.from(header!, 'base64url').toString()), payload: JSON.parse(Buffer.from(payload!, 'base64url').toString()) };
}

/** Logs alice in and returns the pair. */
export async function login(url: string): Promise<{ access: string; refresh: string }> {
  const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${answer.text}`);
  return answer.body as { access: string; refresh: string };
}
