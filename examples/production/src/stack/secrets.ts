/**
 * The local stack's secrets: an Ed25519 signing key and a users file with scrypt hashes. Generated here
 * ONLY for the stack on 127.0.0.1, with a warning; a deployment mounts them from its secret store and
 * passes the paths (LATCHKEY_SIGNING_KEY_FILE, LATCHKEY_USERS_FILE), and nothing is generated then.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '@latchkey/issuer';

export interface SecretFiles {
  readonly signingKeyFile: string;
  readonly usersFile: string;
}

/** The demo accounts of the local stack (the README lists them). */
export const DEMO_USERS = [
  { id: '1', username: 'alice', password: 'wonderland' },
  { id: '2', username: 'bob', password: 'builder-of-things' },
] as const;

export async function localSecrets(runDir: string, env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = console.warn): Promise<SecretFiles> {
  if (env.LATCHKEY_SIGNING_KEY_FILE && env.LATCHKEY_USERS_FILE) return { signingKeyFile: env.LATCHKEY_SIGNING_KEY_FILE, usersFile: env.LATCHKEY_USERS_FILE };
  const dir = join(runDir, 'secrets');
  const files = { signingKeyFile: join(dir, 'signing-key.pem'), usersFile: join(dir, 'users.json') };
  if (existsSync(files.signingKeyFile) && existsSync(files.usersFile)) return files;
  warn(
    'WARNING: generating a signing key and demo users for the LOCAL stack only (run/secrets/). Never generate keys at start-up in production: mount them from your secret store.',
  );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(files.signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const users = await Promise.all(DEMO_USERS.map(async ({ id, username, password }) => ({ id, username, passwordHash: await hashPassword(password) })));
  writeFileSync(files.usersFile, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
  return files;
}
