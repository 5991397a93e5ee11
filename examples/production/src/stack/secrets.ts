/**
 * The local stack's secrets: an Ed25519 signing key, a users file with scrypt hashes and the password of
 * the instances' Redis account. Generated here ONLY for the stack on 127.0.0.1, with a warning; a
 * deployment mounts them from its secret store and passes the paths (LATCHKEY_SIGNING_KEY_FILE,
 * LATCHKEY_USERS_FILE, LATCHKEY_REDIS_PASSWORD_FILE), and nothing is generated then.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '@latchkey/issuer';

export interface SecretFiles {
  readonly signingKeyFile: string;
  readonly usersFile: string;
  readonly redisPasswordFile: string;
}

/** The demo accounts of the local stack (the README lists them). */
export const DEMO_USERS = [
  { id: '1', username: 'alice', password: 'wonderland' },
  { id: '2', username: 'bob', password: 'builder-of-things' },
] as const;

export async function localSecrets(runDir: string, env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn): Promise<SecretFiles> {
  if (env.LATCHKEY_SIGNING_KEY_FILE && env.LATCHKEY_USERS_FILE && env.LATCHKEY_REDIS_PASSWORD_FILE) {
    return { signingKeyFile: env.LATCHKEY_SIGNING_KEY_FILE, usersFile: env.LATCHKEY_USERS_FILE, redisPasswordFile: env.LATCHKEY_REDIS_PASSWORD_FILE };
  }
  const dir = join(runDir, 'secrets');
  const files = { signingKeyFile: join(dir, 'signing-key.pem'), usersFile: join(dir, 'users.json'), redisPasswordFile: join(dir, 'redis-password') };
  const missing = Object.values(files).filter((file) => !existsSync(file));
  if (missing.length === 0) return files;
  warn(
    'WARNING: generating a signing key, demo users and a Redis password for the LOCAL stack only (run/secrets/). Never generate secrets at start-up in production: mount them from your secret store.',
  );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Each missing file alone: a run directory from before the Redis password keeps its key and users.
  if (missing.includes(files.signingKeyFile)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(files.signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  if (missing.includes(files.usersFile)) {
    const users = await Promise.all(DEMO_USERS.map(async ({ id, username, password }) => ({ id, username, passwordHash: await hashPassword(password) })));
    writeFileSync(files.usersFile, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  }
  // 256 random bits: Redis checks a password at memory speed, so only its length stops a guesser.
  if (missing.includes(files.redisPasswordFile)) writeFileSync(files.redisPasswordFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  return files;
}
