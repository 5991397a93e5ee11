// Run by scripts/check-packages.mjs inside an empty project where the packed tarballs are installed:
// every package imports from an ES module and exports something; the verifier refuses garbage.
import assert from 'node:assert/strict';

const names = JSON.parse(process.argv[2]);
for (const name of names) {
  const module = await import(name);
  assert.ok(Object.keys(module).length > 0, `${name} exports nothing`);
}
const { createRequestAuthenticator } = await import('@latchkey/core/adapter');
assert.equal(typeof createRequestAuthenticator, 'function', '@latchkey/core/adapter exports no createRequestAuthenticator');
const { createVerifier, hmacSecrets } = await import('@latchkey/core');
const verifier = createVerifier({ keys: hmacSecrets('x'.repeat(32)), algorithms: ['HS256'], issuer: 'i', audience: 'a' });
await assert.rejects(verifier.verify('a.b.c'), { code: 'ERR_JWT_MALFORMED' });
console.log(`✓ imported ${names.length} packages from their tarballs (ESM)`);
