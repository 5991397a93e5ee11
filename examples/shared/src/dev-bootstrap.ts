// The start-up that the items API examples (examples/express, koa and fastify) share around their own
// src/main.ts: the configuration from the environment, the mock identity provider of dev mode, what is
// printed, and the shutdown on SIGINT/SIGTERM. Each main.ts still builds its verifier and starts its app.
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import type { RunningApp } from './running-app.js';

/** Whom the items API trusts and where it listens. */
export interface ItemsApiConfig {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  readonly host: string;
  readonly port: number;
  /** The mock identity provider of dev mode (no ISSUER), which `issuer` and `jwksUri` point at. */
  readonly devIdp: MockIdp | undefined;
}

/**
 * Reads ISSUER, JWKS_URI, AUDIENCE (default https://items.example.test), HOST (127.0.0.1) and PORT (3000)
 * from `env`, which the application passes in. Without ISSUER (dev mode), starts a mock identity provider
 * from @latchkey/testing on 127.0.0.1, with tokens valid for an hour, and trusts it. ISSUER without
 * JWKS_URI is refused: exits with status 2.
 */
export async function itemsApiConfig(env: NodeJS.ProcessEnv): Promise<ItemsApiConfig> {
  const audience = env.AUDIENCE ?? 'https://items.example.test';
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 3000);
  if (env.ISSUER === undefined) {
    const devIdp = await createMockIdp({ audience, expiresInSeconds: 3600 });
    return { issuer: devIdp.issuer, jwksUri: devIdp.jwksUri, audience, host, port, devIdp };
  }
  if (env.JWKS_URI === undefined) {
    console.error('JWKS_URI is required with ISSUER (e.g. https://idp.example.com/.well-known/jwks.json)');
    process.exit(2);
  }
  return { issuer: env.ISSUER, jwksUri: env.JWKS_URI, audience, host, port, devIdp: undefined };
}

/**
 * Prints where the API on `framework` listens and whom it trusts; in dev mode also tokens for alice
 * (read:items write:items) and bob (read:items) and curl commands to try. Then, on SIGINT or SIGTERM,
 * stops the app and the mock identity provider and exits with status 0.
 */
export async function serveItemsApi(framework: string, app: RunningApp, config: ItemsApiConfig): Promise<void> {
  const { issuer, jwksUri, audience, devIdp: idp } = config;
  const url = `http://${config.host}:${app.port}`;
  console.log(`items API (${framework}) listening on ${url}`);
  console.log(`trusting ${issuer} (keys from ${jwksUri}), audience ${audience}`);

  if (idp !== undefined) {
    const alice = await idp.sign({ sub: 'alice', scope: 'read:items write:items' });
    const bob = await idp.sign({ sub: 'bob', scope: 'read:items' });
    console.log(`\ndev mode: a mock identity provider runs at ${idp.issuer}. Tokens valid for one hour:`);
    console.log(`  alice (read:items write:items): ${alice}`);
    console.log(`  bob   (read:items):             ${bob}`);
    console.log('\ntry:');
    console.log(`  curl -i ${url}/health`);
    console.log(`  curl -i ${url}/items`);
    console.log(`  curl -i -H 'Authorization: Bearer ${bob}' ${url}/items`);
    console.log(`  curl -i -H 'Authorization: Bearer ${bob}' -H 'content-type: application/json' -d '{"name":"saw"}' ${url}/items`);
    console.log(`  curl -i -H 'Authorization: Bearer ${alice}' -H 'content-type: application/json' -d '{"name":"saw"}' ${url}/items`);
    console.log(`  curl -i -H 'Authorization: Bearer ${alice}' ${url}/me`);
  }

  let stopping = false;
  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await app.close();
    await idp?.close();
    process.exit(0);
  }
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
