// Run by scripts/check-packages.mjs inside an empty project where the packed tarballs are installed: a
// CommonJS user's view. Every package loads with require() (require(esm), Node ^20.19 / >= 22.12, as
// "engines" says), and the usage the READMEs document for CommonJS works end to end: the Fastify plugin by
// its named export (through fastify.inject) and the Express middleware (over real HTTP on 127.0.0.1).
const assert = require('node:assert/strict');
const { once } = require('node:events');

const names = JSON.parse(process.argv[2]);
for (const name of names) {
  assert.ok(Object.keys(require(name)).length > 0, `require('${name}') returned nothing`);
}

assert.equal(typeof require('@latchkey/core/adapter').createRequestAuthenticator, 'function');
const { createVerifier, oidcDiscovery } = require('@latchkey/core');
const { createMockIdp } = require('@latchkey/testing');
const audience = 'https://api.example';

async function fastifyApp(verifier, token) {
  const Fastify = require('fastify');
  const { latchkey, authErrorHandler } = require('@latchkey/fastify');
  const app = Fastify();
  await app.register(latchkey, { verifier });
  app.setErrorHandler(authErrorHandler());
  app.get('/me', { config: { auth: true } }, async (request) => ({ user: request.auth.payload.sub }));
  try {
    const accepted = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.deepEqual(accepted.json(), { user: 'alice' });
    const refused = await app.inject('/me');
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['www-authenticate'], 'Bearer');
  } finally {
    await app.close();
  }
}

// CommonJS has no top-level await: the register not awaited, the route declared before the plugin loads.
async function fastifyUnawaited(verifier, token) {
  const Fastify = require('fastify');
  const { latchkey } = require('@latchkey/fastify');
  const app = Fastify();
  app.register(latchkey, { verifier });
  app.get('/admin', { config: { auth: true } }, async (request) => ({ user: request.auth.payload.sub }));
  try {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const refused = await fetch(`${address}/admin`);
    assert.equal(refused.status, 401, 'a route declared before the plugin loaded must not be served without a token');
    const accepted = await fetch(`${address}/admin`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual([accepted.status, await accepted.json()], [200, { user: 'alice' }]);
  } finally {
    await app.close();
  }
}

async function expressApp(verifier, token) {
  const express = require('express');
  const { authenticate, authErrorHandler } = require('@latchkey/express');
  const app = express();
  app.get('/me', authenticate({ verifier }), (req, res) => res.json({ user: req.auth.payload.sub }));
  app.use(authErrorHandler());
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const url = `http://127.0.0.1:${server.address().port}/me`;
    const accepted = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(accepted.status, 200);
    assert.deepEqual(await accepted.json(), { user: 'alice' });
    const refused = await fetch(url, { headers: { authorization: 'Bearer a.b.c' } });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

(async () => {
  const idp = await createMockIdp({ audience });
  try {
    const verifier = createVerifier({ keys: oidcDiscovery(idp.issuer), algorithms: ['RS256'], issuer: idp.issuer, audience });
    const token = await idp.sign({ sub: 'alice' });
    await fastifyApp(verifier, token);
    await fastifyUnawaited(verifier, token);
    await expressApp(verifier, token);
  } finally {
    await idp.close();
  }
  console.log(`✓ required ${names.length} packages from their tarballs (CommonJS); Fastify and Express apps ran on them`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
