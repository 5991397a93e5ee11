/**
 * An instance's configuration, read once at start-up from the environment and from files. Secrets come
 * from files (mounted by the secret store in a real deployment: Kubernetes secrets, Vault agent, systemd
 * credentials), never from the command line and never generated here: a missing key is a start-up error.
 */
import { readFileSync } from 'node:fs';

export interface InstanceConfig {
  /** Shown by `/api/me` and `/healthz`, so tests and the SPA can see which instance answered. */
  readonly name: string;
  readonly port: number;
  readonly redisPort: number;
  /** The Redis ACL account (the stack turns the anonymous default user off). */
  readonly redisUsername: string;
  readonly redisPassword: string;
  /** PKCS#8 PEM of the Ed25519 signing key. */
  readonly signingKeyPem: string;
  /** Users with scrypt hashes (never plain passwords): `[{ id, username, passwordHash }]`. */
  readonly users: ReadonlyArray<{ id: string; username: string; passwordHash: string }>;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenLifetimeSeconds: number;
}

/** The Redis account the instances log in as (the stack's redis-config.ts grants it no admin command). */
export const REDIS_USERNAME = 'latchkey';

/**
 * How long a draining instance leaves idle keep-alive sockets for the proxy to close, in ms. Longer than
 * nginx's upstream keepalive_timeout (src/stack/nginx-config.ts; a test pins the order), so nginx lets go
 * of each first and the instance never closes one nginx is writing a request onto.
 */
export const DRAIN_IDLE_GRACE_MS = 3_000;

/** The Redis password from its file: one line, surrounding whitespace (a trailing newline) dropped. */
export function readRedisPassword(file: string): string {
  const password = readFileSync(file, 'utf8').trim();
  if (password === '') throw new Error(`${file}: the Redis password is empty`);
  return password;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback?: number): number {
  const text = env[name];
  if ((text === undefined || text === '') && fallback !== undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Reads the configuration; throws naming the variable or file that is wrong. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): InstanceConfig {
  const keyFile = required(env, 'LATCHKEY_SIGNING_KEY_FILE');
  const usersFile = required(env, 'LATCHKEY_USERS_FILE');
  const redisPasswordFile = required(env, 'LATCHKEY_REDIS_PASSWORD_FILE');
  const users: unknown = JSON.parse(readFileSync(usersFile, 'utf8'));
  if (!Array.isArray(users)) throw new Error(`${usersFile}: expected an array of users`);
  return {
    name: env.INSTANCE_NAME ?? `instance-${process.pid}`,
    port: integer(env, 'PORT'),
    redisPort: integer(env, 'REDIS_PORT'),
    redisUsername: env.LATCHKEY_REDIS_USERNAME || REDIS_USERNAME,
    redisPassword: readRedisPassword(redisPasswordFile),
    signingKeyPem: readFileSync(keyFile, 'utf8'),
    users: users as InstanceConfig['users'],
    issuer: env.LATCHKEY_ISSUER ?? 'http://127.0.0.1',
    audience: env.LATCHKEY_AUDIENCE ?? 'latchkey-production-example',
    accessTokenLifetimeSeconds: integer(env, 'LATCHKEY_ACCESS_LIFETIME_SECONDS', 300),
  };
}
