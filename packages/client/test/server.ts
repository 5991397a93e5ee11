/**
 * A real issuer (Express mount) on 127.0.0.1 that serves a test page loading the BUILT client
 * (packages/client/dist, built here when missing), a protected `/api/items`, and a record of every token
 * request and issuer event so tests can count refreshes and see revocations.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { authErrorHandler, authenticate } from '@latchkey/express';
import { createIssuer, createMemoryUsers, type Issuer, type IssuerEvent } from '@latchkey/issuer';
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

/**
 * A stand-in for the issuer's cookie mode (not on main yet): the refresh token leaves in an HttpOnly
 * cookie instead of the body, and comes back from the cookie on refresh and blacklist.
 */
function refreshCookieShim(issuer: Issuer): express.RequestHandler[] {
  return [
    express.json(),
    (req, res, next) => {
      if (req.method !== 'POST' || !issuer.owns(req.path)) return next();
      const cookie = /(?:^|;\s*)lk_refresh=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const body = { ...(req.body as Record<string, unknown>) };
      if (req.path !== '/api/token/' && cookie !== undefined) body.refresh = cookie;
      issuer
        .handle({ method: 'POST', path: req.path, headers: req.headers, contentType: 'application/json', parsedBody: body })
        .then((response) => {
          if (response === undefined) return next();
          const answer = JSON.parse(response.body) as Record<string, unknown>;
          const headers: Record<string, string | string[]> = { ...response.headers };
          if (typeof answer.refresh === 'string') headers['set-cookie'] = `lk_refresh=${answer.refresh}; HttpOnly; SameSite=Strict; Path=/api/token/`;
          if (req.path === '/api/token/blacklist/') headers['set-cookie'] = 'lk_refresh=; HttpOnly; SameSite=Strict; Path=/api/token/; Max-Age=0';
          delete answer.refresh;
          res.writeHead(response.status, headers).end(JSON.stringify(answer));
        })
        .catch(next);
    },
  ];
}

export async function startTestIssuer(options: { accessTokenLifetimeSeconds?: number; cookieMode?: boolean; dpop?: boolean | 'nonce' } = {}): Promise<TestIssuer> {
  ensureBuiltClient();
  const events: IssuerEvent[] = [];
  const tokenRequests: string[] = [];
  const rejected = new Set<string>();
  const app = express();
  // Listening first: with DPoP the issuer and the API need their public URL, the page's origin.
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dpop = options.dpop === undefined || options.dpop === false ? undefined : { publicUrl: url, nonce: options.dpop === 'nonce' };
  const issuer = createIssuer({
    dpop,
    signingKey: 'a-test-secret-of-at-least-32-bytes-long!',
    users: await createMemoryUsers([{ id: '1', username: 'alice', password: 'wonderland' }], { cost: { N: 2 ** 12, r: 8, p: 1 } }),
    rotateRefreshTokens: true,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 300,
    onEvent: (event) => void events.push(event),
  });
  app.get('/', (_req, res) => void res.type('html').send(page));
  app.use('/client', express.static(dist));
  app.use('/api/token', (req, _res, next) => {
    tokenRequests.push(req.originalUrl);
    next();
  });
  if (options.cookieMode) app.use(refreshCookieShim(issuer as unknown as Issuer));
  app.use(issuerRoutes(issuer));
  app.get(
    '/api/items',
    (req, res, next) => {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (token !== undefined && rejected.has(token)) return void res.status(401).json({ detail: 'Given token not valid for any token type', code: 'token_not_valid' });
      next();
    },
    authenticate({ verifier: issuer.verifier({ checkRevocation: true }), dpop }),
    (req, res) => void res.json({ items: ['a', 'b'], user: req.auth!.payload.sub }),
  );
  app.use(authErrorHandler({ body: 'simplejwt' }));
  return {
    url,
    events,
    tokenRequests,
    rejected,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
