// One process (auth-cpu/run.ts starts it, pinned to one core): the auth CPU of one repeated token per
// request, inside each framework's own dispatch. Prints one JSON line.
//
// Each framework runs two apps with the same layers: a timer start, the step under test, a timer stop, the
// route. In one the step is Latchkey's adapter with default options (the verified-token cache on); in the
// other it is a step that does nothing. A request is a real `IncomingMessage` and `ServerResponse` (no
// socket) handed to the framework's request handler, so the step sees the framework's own request objects
// (Express's swapped prototype, Koa's context, Fastify's request and hooks) and the framework does all it
// does per request. Only the time between the two timers is summed: the step and the framework's dispatch
// of one layer, identical but for the step. Over the network, a request costs the framework 10–300 µs
// on this machine, and the few microseconds a step costs drown in that noise; here they do not.
//
// Rounds alternate the two apps; the figure is the median over rounds of (Latchkey − no-op) per request.
// Keys are a static RS256 key (a cache hit never touches keys). Plain JavaScript: nothing but the built
// packages and the frameworks is loaded.
import { generateKeyPairSync, sign } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { createVerifier, staticKeys } from '@latchkey/core';
import { authenticate as expressAuthenticate } from '@latchkey/express';
import { latchkey as fastifyLatchkey } from '@latchkey/fastify';
import { authenticate as koaAuthenticate } from '@latchkey/koa';
import { median, quartiles } from '../common/order-statistics.mjs';

const [requestsArg, roundsArg] = process.argv.slice(2);
const REQUESTS = Number(requestsArg ?? 2000);
const ROUNDS = Number(roundsArg ?? 15);
const WARMUP_ROUNDS = 3;

const ISSUER = 'https://idp.latchkey.test/';
const AUDIENCE = 'https://api.latchkey.test';
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'auth-cpu' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 3600, jti: 't1' })}`;
const TOKEN = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
const TAMPERED = `${TOKEN.slice(0, -6)}${TOKEN.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;

function newVerifier() {
  return createVerifier({ keys: staticKeys([{ key: publicKey, kid: 'auth-cpu', alg: 'RS256' }]), algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE });
}

// The timers: the sum of the time between start and stop, over one sample.
let startedAt = 0n;
let elapsed = 0n;
const start = () => void (startedAt = process.hrtime.bigint());
const stop = () => void (elapsed += process.hrtime.bigint() - startedAt);

async function expressApp(withAuth) {
  const app = express();
  app.use((_req, _res, next) => (start(), next()));
  app.use(withAuth ? expressAuthenticate({ verifier: newVerifier() }) : (_req, _res, next) => next());
  app.use((_req, _res, next) => (stop(), next()));
  app.get('/hello', (req, res) => void res.json({ ok: req.auth === undefined || req.auth.payload.sub === 'user-1' }));
  app.use((error, _req, res, _next) => void res.status(error.status ?? 500).json({ error: 'unauthorized' }));
  return app;
}

async function koaApp(withAuth) {
  const app = new Koa();
  app.silent = true;
  // Refusals become their status (a tampered token must read 401).
  app.use((ctx, next) =>
    next().catch((error) => {
      ctx.status = error.status ?? 500;
      ctx.body = { error: 'unauthorized' };
    }),
  );
  app.use((_ctx, next) => (start(), next()));
  app.use(withAuth ? koaAuthenticate({ verifier: newVerifier() }) : (_ctx, next) => next());
  app.use((_ctx, next) => (stop(), next()));
  app.use((ctx) => void (ctx.body = { ok: true }));
  return app.callback();
}

async function fastifyApp(withAuth) {
  const app = Fastify();
  app.addHook('onRequest', (_request, _reply, done) => (start(), done()));
  // The route-level onRequest hooks (the plugin's, or the no-op's) run after the root's, then preValidation.
  await app.register(async (scope) => {
    if (withAuth) await scope.register(fastifyLatchkey, { verifier: newVerifier(), protectRoutes: true });
    else scope.addHook('onRequest', (_request, _reply, done) => done());
    scope.addHook('preValidation', (_request, _reply, done) => (stop(), done()));
    scope.get('/hello', async () => ({ ok: true }));
  });
  await app.ready();
  return app.routing;
}

// Resolves each dispatch when the framework ends its response: one request at a time, so one hook will do.
let settle;
const end = ServerResponse.prototype.end;
ServerResponse.prototype.end = function (...args) {
  const result = end.apply(this, args);
  // Without a socket the response never finishes by itself: say it has, as a server's would once written,
  // so that what waits for it (on-finished's listeners, Fastify's onResponse) runs and lets the request go.
  this.emit('finish');
  settle?.(this.statusCode);
  return result;
};
const socket = new Socket();

function dispatch(handler, token) {
  return new Promise((resolve) => {
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/hello';
    req.httpVersion = '1.1';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    const authorization = `Bearer ${token}`;
    req.rawHeaders = ['Host', '127.0.0.1', 'Authorization', authorization, 'Accept', '*/*'];
    req.headers = { host: '127.0.0.1', authorization, accept: '*/*' };
    req.complete = true;
    req.push(null);
    settle = resolve;
    // Each request in a macrotask of its own, as a server's arrive: the nextTick queue (which Node's
    // streams use) drains between requests, and nothing piles up behind a loop of awaits.
    setImmediate(() => handler(req, new ServerResponse(req)));
  });
}

async function sample(handler) {
  elapsed = 0n;
  for (let i = 0; i < REQUESTS; i++) {
    const status = await dispatch(handler, TOKEN);
    if (status !== 200) throw new Error(`a valid token got ${status}`);
  }
  return Number(elapsed) / 1000 / REQUESTS;
}

const frameworks = { express: expressApp, koa: koaApp, fastify: fastifyApp };
const results = {};
for (const [name, make] of Object.entries(frameworks)) {
  const bare = await make(false);
  const auth = await make(true);
  // The apps answer as a server would: 200 to the token, 401 to a tampered one (the no-op step lets it by).
  if ((await dispatch(auth, TAMPERED)) !== 401) throw new Error(`${name}: a tampered token was not refused`);
  for (let round = 0; round < WARMUP_ROUNDS; round++) {
    await sample(bare);
    await sample(auth);
  }
  const noop = [];
  const latchkey = [];
  const added = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always follows the other's garbage.
    let noopUs;
    let latchkeyUs;
    if (round % 2 === 0) {
      noopUs = await sample(bare);
      latchkeyUs = await sample(auth);
    } else {
      latchkeyUs = await sample(auth);
      noopUs = await sample(bare);
    }
    noop.push(noopUs);
    latchkey.push(latchkeyUs);
    added.push(latchkeyUs - noopUs);
  }
  results[name] = { noopUs: median(noop), latchkeyUs: median(latchkey), addedUs: median(added), quartiles: quartiles(added) };
}

process.stdout.write(`${JSON.stringify({ requests: REQUESTS, rounds: ROUNDS, frameworks: results })}\n`);
