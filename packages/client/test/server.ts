/**
 * A real issuer (Express mount) on 127.0.0.1 that serves a test page loading the BUILT client
 * (packages/client/dist, built here when missing), a protected `/api/items`, and a record of every token
 * request and issuer event so tests can count refreshes and see revocations.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { authErrorHandler, authenticate } from '@latchkey/express';
import { createIssuer, createMemoryUsers, type IssuerEvent } from '@latchkey/issuer';
import { issuerRoutes } from '@latchkey/issuer/express';
import express from 'express';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = `${packageDir}dist`;

export interface TestIssuer {
  readonly url: string;
  readonly events: IssuerEvent[];
  /** Paths of the token requests, in arrival order. */
  readonly tokenRequests: string[];
  /** Access tokens the protected route must answer 401 `token_not_valid` for (as if revoked). */
  readonly rejected: Set<string>;
  close(): Promise<void>;
}

/** Builds dist/ when it is missing or older than a source file, so the page never runs stale code. */
export function ensureBuiltClient(): void {
  const built = existsSync(`${dist}/index.js`) ? statSync(`${dist}/index.js`).mtimeMs : 0;
  const newest = Math.max(...readdirSync(`${packageDir}src`).map((file) => statSync(`${packageDir}src/${file}`).mtimeMs));
  if (built < newest) execFileSync('pnpm', ['exec', 'tsc', '-p', 'tsconfig.build.json'], { cwd: packageDir, stdio: 'inherit' });
}

const page = `<!doctype html><meta charset="utf-8"><title>latchkey client test</title>
<script type="module">import * as latchkey from '/client/index.js'; window.latchkey = latchkey; document.title = 'ready';</script>`;

export async function startTestIssuer(
  options: { accessTokenLifetimeSeconds?: number; cookieMode?: boolean; dpop?: boolean | 'nonce' } = {},
): Promise<TestIssuer> {
  ensureBuiltClient();
  const events: IssuerEvent[] = [];
  const tokenRequests: string[] = [];
  const rejected = new Set<string>();
  // Listen first: cookie mode needs the page's origin (this server's URL) in allowedOrigins, DPoP its public URL.
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dpop = options.dpop === undefined || options.dpop === false ? undefined : { publicUrl: url, nonce: options.dpop === 'nonce' };
  const app = express();
  const issuer = createIssuer({
    dpop,
    signingKey: 'a-test-secret-of-at-least-32-bytes-long!',
    users: await createMemoryUsers([{ id: '1', username: 'alice', password: 'wonderland' }], { cost: { N: 2 ** 12, r: 8, p: 1 } }),
    rotateRefreshTokens: true,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 300,
    onEvent: (event) => void events.push(event),
    // Chromium accepts Secure (and so __Host-) cookies from http://127.0.0.1, a potentially trustworthy origin.
    refreshCookie: options.cookieMode ? { allowedOrigins: [url] } : undefined,
  });
  app.get('/', (_req, res) => void res.type('html').send(page));
  app.use('/client', express.static(dist));
  app.use('/api/token', (req, _res, next) => {
    tokenRequests.push(req.originalUrl);
    next();
  });
  app.use(issuerRoutes(issuer));
  app.get(
    '/api/items',
    (req, res, next) => {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (token !== undefined && rejected.has(token))
        return void res.status(401).json({ detail: 'Given token not valid for any token type', code: 'token_not_valid' });
      next();
    },
    authenticate({ verifier: issuer.verifier({ checkRevocation: true }), dpop }),
    (req, res) => void res.json({ items: ['a', 'b'], user: req.auth!.payload.sub }),
  );
  app.use(authErrorHandler({ body: 'simplejwt' }));
  server.on('request', app);
  return {
    url,
    events,
    tokenRequests,
    rejected,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
