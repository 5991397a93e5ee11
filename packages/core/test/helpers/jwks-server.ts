import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * How a route answers:
 * - `ok`: 200 with the route's JSON body and headers;
 * - `503`: an error status;
 * - `hang`: accepts the request and never answers;
 * - `slow`: sends the headers and half the body, then never finishes;
 * - `garbage`: 200 with a body that is not JSON;
 * - `not-jwks`: 200 with JSON that is not a JWK Set;
 * - `huge`: 200 streaming 2 MiB without a Content-Length;
 * - `huge-declared`: 200 declaring 10 MB in Content-Length, then sending a little and stalling;
 * - `redirect`: 302 to `redirectTo`.
 */
export type ServeMode = 'ok' | '503' | 'hang' | 'slow' | 'garbage' | 'not-jwks' | 'huge' | 'huge-declared' | 'redirect';

export interface Route {
  mode: ServeMode;
  body: unknown;
  /** Extra response headers, e.g. `{ 'cache-control': 'max-age=60' }`. */
  headers: Record<string, string>;
  /** Wait this long before answering at all. */
  delayMs: number;
  redirectTo: string;
}

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** A real HTTP server on 127.0.0.1 that serves JSON documents you control and counts requests per path. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  url(path: string): string;
  /** Creates or updates the route at `path` (defaults: `ok`, body `{}`, no extra headers, no delay). */
  route(path: string, patch: Partial<Route>): void;
  /** Requests received for `path` (every path when omitted). */
  count(path?: string): number;
  readonly requests: readonly SeenRequest[];
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const requests: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const answer = (route: Route, res: ServerResponse): void => {
    const json = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...route.headers });
      res.end(text);
    };
    switch (route.mode) {
      case 'ok':
        return json(200, JSON.stringify(route.body));
      case '503':
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('service unavailable');
        return;
      case 'hang':
        return;
      case 'slow': {
        const text = JSON.stringify(route.body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      case 'garbage':
        return json(200, '<html>not json {{{');
      case 'not-jwks':
        return json(200, JSON.stringify({ hello: 'world' }));
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 2 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
      case 'huge-declared':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000000' });
        res.write('{"keys":[');
        return;
      case 'redirect':
        res.writeHead(302, { location: route.redirectTo });
        res.end();
        return;
    }
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push({ path, headers: req.headers });
    const route = routes.get(path);
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (route.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(route, res);
      }, route.delayMs);
      timers.add(timer);
    } else {
      answer(route, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requests,
    url: (path) => `${origin}${path}`,
    route(path, patch) {
      const current = routes.get(path) ?? { mode: 'ok', body: {}, headers: {}, delayMs: 0, redirectTo: `${origin}/elsewhere` };
      routes.set(path, { ...current, ...patch });
    },
    count: (path) => (path === undefined ? requests.length : requests.filter((r) => r.path === path).length),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A public ES256 JWK with the given `kid` (fast to generate, unlike RSA). */
export async function publicJwk(kid: string): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
}
