import { createMultiIssuerVerifier, grantedScopes, oidcDiscovery, type EventHandler, type Verifier } from '@latchkey/core';
import { authErrorHandler, authenticate, guard, requireScopes } from '@latchkey/express';
import express, { type Express } from 'express';

export interface SsoOptions {
  /** The identity providers this resource server trusts, by their exact `iss`. */
  issuers: readonly string[];
  /** This resource server's identifier: the `aud` its tokens must carry. */
  audience: string;
  /** Least time between JWKS fetches that expiry did not call for (core default: 10 000 ms). */
  cooldownMs?: number;
  /** Key and token events: fetches, unknown `kid`s, rejections. */
  onEvent?: EventHandler;
}

/**
 * One verifier for every trusted issuer. Each issuer's keys are found through OpenID Connect discovery
 * (`<issuer>/.well-known/openid-configuration` → `jwks_uri`); a token is checked against its own issuer's
 * keys only, and a token from an issuer not listed here is refused before any fetch.
 */
export function createSsoVerifier({ issuers, audience, cooldownMs, onEvent }: SsoOptions): Verifier {
  return createMultiIssuerVerifier({
    issuers: issuers.map((issuer) => ({
      issuer,
      keys: oidcDiscovery(issuer, cooldownMs === undefined ? {} : { cooldownMs }),
      algorithms: ['RS256', 'ES256'],
      audience,
    })),
    onEvent,
  });
}

/** The resource server: `/health` (public), `/profile` (any valid token), `/reports` (`read:reports`). */
export function createResourceServer(verifier: Verifier): Express {
  const app = express();
  const required = authenticate({ verifier, realm: 'reports' });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/profile', required, (req, res) => {
    const { payload, header } = req.auth!;
    res.json({ issuer: payload.iss, sub: payload.sub, kid: header.kid, scopes: [...grantedScopes(payload)] });
  });

  app.get('/reports', required, guard(requireScopes('read:reports')), (req, res) => {
    res.json({ issuer: req.auth!.payload.iss, reports: [{ id: 'q3', title: 'Third quarter' }] });
  });

  app.use(authErrorHandler());
  return app;
}
