/**
 * One Latchkey instance (run several behind nginx): the issuer on the shared Redis store, a protected API
 * verifying with the issuer's JWKS and the Redis revocation check, probes, and a graceful SIGTERM.
 * Configuration: see config.ts (env + files). Prints `listening <port>` once it accepts connections.
 */
import { claimEquals, createVerifier, staticKeys } from '@latchkey/core';
import { ACCESS_TOKEN_TYP, createIssuer, createMemoryUsers, SESSION_PATHS } from '@latchkey/issuer';
import { redisLimiterStore, redisRevocationCheck, redisStore } from '@latchkey/redis';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { DRAIN_IDLE_GRACE_MS, readConfig } from './config.js';
import { onSigterm } from './shutdown.js';

const config = readConfig();
const log = (message: string) => console.log(`[${config.name}] ${message}`);

// Fail fast while Redis is away (no offline queue, no retries per call): the issuer answers 503 +
// Retry-After and the revocation check fails closed, instead of requests piling up in memory.
const redisOptions = {
  host: '127.0.0.1',
  port: config.redisPort,
  username: config.redisUsername,
  password: config.redisPassword,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => 200,
};
const client = new Redis(redisOptions);
// The subscriber queues its SUBSCRIBE until connected, and ioredis resubscribes after a reconnect.
const subscriber = new Redis({ ...redisOptions, enableOfflineQueue: true, maxRetriesPerRequest: null });
let redisErrorLogged = false;
for (const connection of [client, subscriber]) {
  connection.on('error', (error: Error) => {
    if (!redisErrorLogged) log(`redis: ${error.message} (answering 503 until it is back)`);
    redisErrorLogged = true;
  });
  connection.on('ready', () => (redisErrorLogged = false));
}

const users = await createMemoryUsers(config.users);
const issuer = createIssuer({
  signingKey: config.signingKeyPem,
  algorithm: 'EdDSA',
  users,
  issuer: config.issuer,
  audience: config.audience,
  rotateRefreshTokens: true,
  accessTokenLifetimeSeconds: config.accessTokenLifetimeSeconds,
  store: redisStore({ client, commandTimeoutMs: 500 }),
  // The login limiter's counters in Redis too: one budget per account and address across every instance
  // (and across restarts), not one per process.
  loginLimits: { store: redisLimiterStore({ client, commandTimeoutMs: 500 }) },
  // The session routes: GET /api/token/sessions/, POST /api/token/sessions/revoke/, and the SPA's
  // "log out everywhere", POST /api/token/logout-all/ (the user's revocation epoch, in one Redis script).
  paths: { ...SESSION_PATHS },
  claims: (user) => ({ username: user.username }),
});
const revocation = redisRevocationCheck({ client, subscriber, commandTimeoutMs: 500 });
// Verified the way a separate resource server would: the issuer's published JWKS, its typ and token
// type, and revocation from Redis (pub/sub-invalidated local cache).
const verifier = createVerifier({
  keys: staticKeys(issuer.jwks()),
  algorithms: ['EdDSA'],
  issuer: config.issuer,
  audience: config.audience,
  typ: ACCESS_TOKEN_TYP,
  requiredClaims: ['jti', 'token_type', 'sub'],
  rules: [claimEquals('token_type', 'access')],
  isRevoked: revocation.isRevoked,
});

let keysLoaded = false;
let draining = false;
const app = createApp({
  name: config.name,
  issuer: issuer as never,
  verifier,
  draining: () => draining,
  async ready() {
    if (!keysLoaded || draining) return false;
    try {
      const pong = await Promise.race([client.ping(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('PING timed out')), 500).unref())]);
      return pong === 'PONG';
    } catch {
      return false;
    }
  },
});

const server = app.listen(config.port, '127.0.0.1', () => log(`listening ${config.port}`));
// Behind nginx's keep-alive pool: keep idle upstream sockets longer than nginx does (its upstream
// keepalive_timeout, 2 s here and 60 s by default), so Node never closes one nginx is about to reuse.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 30_000;
onSigterm(server, {
  beginDrain: () => (draining = true),
  deadlineMs: 10_000,
  idleGraceMs: DRAIN_IDLE_GRACE_MS,
  log,
  async closeResources() {
    await revocation.close();
    // QUIT where Redis answers; a connection to a Redis that is down is dropped (a queued QUIT would wait).
    await Promise.allSettled([client, subscriber].map((connection) => (connection.status === 'ready' ? connection.quit() : connection.disconnect())));
  },
});

await verifier.warm();
// Redis down at start-up: the instance stays live but not ready (503 on /readyz) and keeps trying, rather
// than exiting and being restarted in a loop.
for (let attempt = 1; ; attempt += 1) {
  try {
    await revocation.ready();
    break;
  } catch {
    if (attempt === 1) log('redis: not reachable at start-up; not ready until it is');
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (draining) break;
  }
}
keysLoaded = !draining;
if (keysLoaded) log('ready');
