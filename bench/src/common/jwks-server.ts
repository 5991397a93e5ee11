import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local JWK Set server on 127.0.0.1 (port 0). Every contender gets its own path prefix (`/<tag>/`), so
 * fetches are counted per contender: `/<tag>/.well-known/jwks.json` serves the set.
 */
export class JwksServer {
  private readonly counts = new Map<string, number>();
  private server: Server | undefined;
  base = '';

  constructor(
    private readonly body: string,
    private readonly maxAgeSeconds = 600,
  ) {}

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const match = /^\/([\w.-]+)\/\.well-known\/jwks\.json$/.exec(request.url ?? '');
      if (request.method !== 'GET' || match === null) {
        response.writeHead(404).end();
        return;
      }
      const tag = match[1]!;
      this.counts.set(tag, (this.counts.get(tag) ?? 0) + 1);
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${this.maxAgeSeconds}` });
      response.end(this.body);
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** The JWKS URL for one contender. */
  url(tag: string): string {
    return `${this.base}/${tag}/.well-known/jwks.json`;
  }

  /** The "domain" get-jwks expects (it appends `/.well-known/jwks.json`). */
  domain(tag: string): string {
    return `${this.base}/${tag}/`;
  }

  fetches(tag: string): number {
    return this.counts.get(tag) ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
