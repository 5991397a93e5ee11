// A local identity provider in its own process: OpenID Connect discovery and a JWKS on 127.0.0.1 (the
// mock provider of @latchkey/testing). It prints its issuer and a token; press Enter to rotate its signing
// key (the old key stays published) and get a token signed with the new one. Ctrl-C to stop.
//
//   pnpm run idp                                  # prints: issuer: http://127.0.0.1:<port>
//   ISSUERS=http://127.0.0.1:<port> pnpm start    # in another terminal
import { createInterface } from 'node:readline';
import { createMockIdp } from '@latchkey/testing';

const audience = process.env.AUDIENCE ?? 'https://reports.example.test';
const idp = await createMockIdp({ audience, expiresInSeconds: 3600 });

async function printToken(): Promise<void> {
  const token = await idp.sign({ sub: 'alice', scope: 'read:reports' });
  console.log(`token (kid ${idp.currentKey.kid}): ${token}`);
}

console.log(`issuer: ${idp.issuer}`);
console.log(`discovery: ${idp.discoveryUrl}`);
await printToken();
console.log('press Enter to rotate the signing key; Ctrl-C to stop');

createInterface({ input: process.stdin }).on('line', () => {
  void idp.rotate().then(printToken);
});

async function stop(): Promise<void> {
  await idp.close();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
