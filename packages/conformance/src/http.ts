/**
 * HTTP plumbing shared by the adapters' tests: start a Node server on 127.0.0.1, send a request, read the
 * parts the tests assert on. Plain module (not a test file), imported like `suite.ts`.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { afterEach } from 'vitest';

/** A started server: its base URL and how to stop it. */
export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** Waits for `server` (already told to listen on 127.0.0.1:0; an `https` one too) and returns its URL. */
export async function listening(server: Server): Promise<Listening> {
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `${server instanceof TlsServer ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * `serve(app)` for a test file: starts anything with Express/Koa's `listen(port, host)` on 127.0.0.1 and
 * closes every server it started after each test.
 */
export function serverPerTest(): (app: { listen(port: number, host: string): Server }) => Promise<string> {
  const started: Listening[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  return async (app) => {
    const server = await listening(app.listen(0, '127.0.0.1'));
    started.push(server);
    return server.url;
  };
}

/** A request with an optional bearer token; returns status, challenge and body text. */
export async function get(url: string, token?: string, init: RequestInit = {}): Promise<{ status: number; challenge: string | null; body: string }> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(url, { ...init, headers });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
}
