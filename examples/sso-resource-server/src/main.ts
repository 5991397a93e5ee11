// Starts the SSO resource server.
//
// Real use: ISSUERS=https://login.acme.example/,https://sso.globex.example/ AUDIENCE=https://reports.example.com pnpm start
//   Each issuer's keys are found through OpenID Connect discovery. Try it against the local identity provider
//   of `pnpm run idp` (another terminal): ISSUERS=<the issuer it prints> pnpm start
// Dev mode (no ISSUERS): two local identity providers (two tenants) start in this process, and a tour shows
//   the resource server following a key rotation. Then it keeps serving until Ctrl-C, unless CI is set,
//   stdin is not a terminal, or --once is given.
//
// The environment is read here, in the application, and nowhere in the libraries.
import type { AddressInfo } from 'node:net';
import type { LatchkeyEvent } from '@latchkey/core';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { createResourceServer, createSsoVerifier } from './server.js';
import { rotationTour } from './tour.js';

const env = process.env;
const audience = env.AUDIENCE ?? 'https://reports.example.test';
const host = env.HOST ?? '127.0.0.1';
const port = Number(env.PORT ?? 3000);
const cooldownMs = env.JWKS_COOLDOWN_MS === undefined ? undefined : Number(env.JWKS_COOLDOWN_MS);
const once = process.argv.includes('--once') || Boolean(env.CI) || !process.stdin.isTTY;

const idps: MockIdp[] = [];
let issuers = (env.ISSUERS ?? '')
  .split(',')
  .map((issuer) => issuer.trim())
  .filter((issuer) => issuer !== '');
const devMode = issuers.length === 0;
if (devMode) {
  idps.push(await createMockIdp({ audience, expiresInSeconds: 3600 }), await createMockIdp({ audience, expiresInSeconds: 3600, algorithms: ['ES256'] }));
  issuers = idps.map((idp) => idp.issuer);
}
const tourCooldownMs = cooldownMs ?? (devMode ? 1_000 : undefined);

function describe(event: LatchkeyEvent): string | undefined {
  switch (event.type) {
    case 'discovery-fetched':
      return `discovered ${event.url} → jwks_uri ${event.jwksUri}`;
    case 'keys-fetched':
      return `fetched ${event.keyCount} key(s) from ${event.url}`;
    case 'unknown-kid':
      return `unknown kid ${event.kid.slice(0, 8)}: ${event.refetched ? 'refetching the JWKS' : 'refused (cooldown)'}`;
    case 'keys-fetch-failed':
      return `fetching ${event.url} failed: ${event.error.message}`;
    case 'refused':
      return `refused ${event.request?.method ?? ''} ${event.request?.path ?? ''}: ${event.code} (${event.detail ?? event.message})`;
    default:
      return undefined;
  }
}

const verifier = createSsoVerifier({
  issuers,
  audience,
  cooldownMs: tourCooldownMs,
  onEvent: (event) => {
    const line = describe(event);
    if (line !== undefined) console.log(`   [latchkey] ${line}`);
  },
});
const server = createResourceServer(verifier).listen(port, host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
const url = `http://${host}:${(server.address() as AddressInfo).port}`;
console.log(`resource server listening on ${url}`);
console.log(`trusting ${issuers.join(', ')} (keys through OIDC discovery), audience ${audience}`);

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await Promise.all(idps.map((idp) => idp.close()));
  process.exit(code);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

if (devMode) {
  const [acme, globex] = idps as [MockIdp, MockIdp];
  console.log(`\nkey rotation at ${acme.issuer}:`);
  const checks = await rotationTour(acme, url, { cooldownMs: tourCooldownMs ?? 1_000, log: (line) => console.log(line) });
  const failed = checks.filter((check) => check.status !== check.expected);

  const outsider = await createMockIdp({ audience });
  const multi = [
    { label: `token from the second tenant (${globex.issuer}, ES256)`, token: await globex.sign({ sub: 'gina', scope: 'read:reports' }), expected: 200 },
    { label: `token from an untrusted issuer (${outsider.issuer})`, token: await outsider.sign({ sub: 'mallory', scope: 'read:reports' }), expected: 401 },
  ];
  console.log('\nseveral issuers:');
  for (const { label, token, expected } of multi) {
    const res = await fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    if (res.status !== expected) failed.push({ label, status: res.status, expected, wwwAuthenticate: null });
    console.log(`   ${label} → ${res.status}${res.status === expected ? '  ✓' : `  ✗ expected ${expected}`}`);
  }
  console.log(`   the untrusted issuer was asked for keys ${outsider.stats.discoveryRequests + outsider.stats.jwksRequests} time(s)`);
  await outsider.close();

  if (failed.length > 0) {
    console.error(`\n${failed.length} answer(s) differed from what was expected`);
    await stop(1);
  }
  if (once) await stop(0);
  console.log('\ntry (tokens valid for one hour):');
  console.log(`  curl -i -H 'Authorization: Bearer ${await acme.sign({ sub: 'alice', scope: 'read:reports' })}' ${url}/reports`);
  console.log(`  curl -i -H 'Authorization: Bearer ${await globex.sign({ sub: 'gina', scope: 'openid' })}' ${url}/reports`);
  console.log('\nCtrl-C to stop');
}
