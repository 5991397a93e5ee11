/**
 * One instance's HTTP surface: the issuer's routes (`/api/token/…` with the session routes and
 * `logout-all`, `/.well-known/jwks.json`), the protected API (`GET /api/me`, `POST /api/ping`), and the probes
 * (`/healthz`, `/readyz`).
 * Built from parts so the wiring (Redis, keys, signals) stays in main.ts.
 */
import type { Verifier } from '@latchkey/core';
import { authErrorHandler, authenticate } from '@latchkey/express';
import type { Issuer } from '@latchkey/issuer';
import { issuerRoutes } from '@latchkey/issuer/express';
import express, { type Express } from 'express';

export interface InstanceParts {
  readonly name: string;
  readonly issuer: Issuer<never>;
  /** Verifies access tokens with the issuer's JWKS, refusing revoked families (Redis). */
  readonly verifier: Verifier;
  /** Keys loaded, Redis answering, not draining. */
  readonly ready: () => Promise<boolean>;
  /** True once SIGTERM arrived: answers then carry `Connection: close`, so keep-alive sockets drain. */
  readonly draining: () => boolean;
}

export function createApp(parts: InstanceParts): Express {
  const app = express();
  // nginx on loopback is the only proxy, and it overwrites X-Forwarded-For with the address it saw
  // ($remote_addr). Trusting exactly loopback makes req.ip that address; a client-sent X-Forwarded-For
  // never reaches us unreplaced, and one hop further out would not be trusted.
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    if (parts.draining()) res.setHeader('Connection', 'close');
    next();
  });
  // A request target whose path does not parse back to itself ("/api/token\\#" reads as /api/token/) is
  // refused: nginx matched its locations (and rate limits) on the spelling it saw, and the routes here
  // must not see another.
  app.use((req, res, next) => {
    const raw = req.originalUrl.split('?', 1)[0];
    if (raw !== req.path) return void res.status(400).json({ detail: 'Malformed request path.' });
    next();
  });

  // Liveness: the process runs its event loop. Nothing else, so a Redis outage never gets it restarted.
  app.get('/healthz', (_req, res) => void res.json({ status: 'live', instance: parts.name }));
  // Readiness: keys loaded and Redis answering PING. Orchestrators route traffic (and a rolling restart
  // moves on) only once this says 200.
  app.get('/readyz', (_req, res, next) => {
    parts.ready().then((ready) => void res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', instance: parts.name }), next);
  });

  app.use(issuerRoutes(parts.issuer));
  const protect = authenticate({ verifier: parts.verifier });
  app.get('/api/me', protect, (req, res) => {
    const payload = req.auth!.payload;
    res
      .set('Cache-Control', 'no-store')
      .json({ user: payload.sub, username: payload.username, expiresAt: payload.exp, instance: parts.name, clientAddress: req.ip });
  });
  // A POST, which nginx never retries on another instance once sent: the rolling-restart test loads it
  // to pin that a draining instance never resets a request (src/instance/shutdown.ts).
  app.post('/api/ping', protect, (_req, res) => void res.set('Cache-Control', 'no-store').json({ pong: true, instance: parts.name }));
  // simplejwt's 401 body (`code: token_not_valid`) is what @latchkey/client refreshes on.
  app.use(authErrorHandler({ body: 'simplejwt' }));
  app.use((_req, res) => void res.status(404).json({ detail: 'Not found.' }));
  app.use(((error, _req, res, _next) => {
    console.error(`[${parts.name}] request failed`, error);
    if (!res.headersSent) res.status(500).json({ detail: 'A server error occurred.' });
  }) as express.ErrorRequestHandler);
  return app;
}
