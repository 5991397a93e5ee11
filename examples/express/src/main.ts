// Starts the items API.
//
// Real use: ISSUER=https://idp.example.com/ JWKS_URI=https://idp.example.com/.well-known/jwks.json \
//           AUDIENCE=https://api.example.com pnpm start
// Dev mode (no ISSUER): a mock identity provider from @latchkey/testing is started on 127.0.0.1 and
// tokens for two users are printed.
//
// The environment is read here, in the application, and nowhere in the libraries.
import type { AddressInfo } from 'node:net';
import { createVerifier, remoteJwks } from '@latchkey/core';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { createApp } from './app.js';

const env = process.env;
const audience = env.AUDIENCE ?? 'https://items.example.test';
const host = env.HOST ?? '127.0.0.1';
const port = Number(env.PORT ?? 3000);

let idp: MockIdp | undefined;
let issuer = env.ISSUER;
let jwksUri = env.JWKS_URI;
if (issuer === undefined) {
  idp = await createMockIdp({ audience, expiresInSeconds: 3600 });
  issuer = idp.issuer;
  jwksUri = idp.jwksUri;
} else if (jwksUri === undefined) {
  console.error('JWKS_URI is required with ISSUER (e.g. https://idp.example.com/.well-known/jwks.json)');
  process.exit(2);
}

// Built once: options are checked now, and every route shares its JWKS cache.
const verifier = createVerifier({ keys: remoteJwks(jwksUri), algorithms: ['RS256'], issuer, audience });
const server = createApp(verifier).listen(port, host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
const url = `http://${host}:${(server.address() as AddressInfo).port}`;
console.log(`items API (Express) listening on ${url}`);
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
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await idp?.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
