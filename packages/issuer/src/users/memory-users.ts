/** `createMemoryUsers`: an in-memory `UserSource` for development and tests, with scrypt password hashes. */
import { randomBytes } from 'node:crypto';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { DEFAULT_SCRYPT_COST, checkCost, hashPassword, verifyPassword, type ScryptCost } from './password-hash.js';
import type { UserSource } from './types.js';

/** A user of {@link createMemoryUsers}: give `password` (hashed at creation) or a `passwordHash`. */
export interface MemoryUserInput {
  id: string;
  username: string;
  password?: string;
  passwordHash?: string;
  /** Inactive users cannot log in or refresh (simplejwt's `is_active`). Default `true`. */
  isActive?: boolean;
  /** Anything else the application wants in `claims(user)`. */
  [extra: string]: unknown;
}

/** A user as the memory store holds it (no password, only its hash). */
export interface MemoryUser {
  readonly id: string;
  readonly username: string;
  readonly isActive: boolean;
  readonly [extra: string]: unknown;
}

/** Options of {@link createMemoryUsers}. */
export interface MemoryUsersOptions {
  /** scrypt cost for hashing. Default {@link DEFAULT_SCRYPT_COST} (OWASP: N 2^17, r 8, p 1). */
  cost?: ScryptCost;
  /** The login field holding the user name (simplejwt's `USERNAME_FIELD`). Default `'username'`. */
  usernameField?: string;
}

/** The bundled user source, for demos and tests. */
export interface MemoryUsers extends UserSource<MemoryUser> {
  /** Changes a password (scrypt at the configured cost). */
  setPassword(id: string, password: string): Promise<void>;
  /** Marks a user active or inactive. */
  setActive(id: string, isActive: boolean): void;
  /** Removes a user. */
  remove(id: string): void;
}

/**
 * An in-memory user source: passwords hashed with `node:crypto` scrypt, compared in constant time, and an
 * unknown user costs one scrypt against a dummy hash, like a wrong password, so timing tells no one which
 * names exist.
 */
export async function createMemoryUsers(users: readonly MemoryUserInput[], options: MemoryUsersOptions = {}): Promise<MemoryUsers> {
  refuseUnknownKeys(options, ['cost', 'usernameField'], 'createMemoryUsers options');
  const cost = options.cost ?? DEFAULT_SCRYPT_COST;
  checkCost(cost);
  const usernameField = options.usernameField ?? 'username';
  const byId = new Map<string, { user: MemoryUser; hash: string }>();
  const idByName = new Map<string, string>();
  // Same cost as real hashes, random password: verifying against it takes as long and never matches.
  const dummyHash = await hashPassword(randomBytes(24).toString('base64url'), cost);

  for (const input of users) {
    const { password, passwordHash, isActive = true, ...rest } = input;
    if (typeof input.id !== 'string' || input.id === '' || typeof input.username !== 'string' || input.username === '') {
      throw new TypeError('createMemoryUsers: every user needs a non-empty string "id" and "username"');
    }
    if ((password === undefined) === (passwordHash === undefined))
      throw new TypeError(`createMemoryUsers: user "${input.id}" needs exactly one of "password" and "passwordHash"`);
    if (byId.has(input.id) || idByName.has(input.username)) throw new TypeError(`createMemoryUsers: user "${input.id}" is listed twice`);
    const hash = passwordHash ?? (await hashPassword(password!, cost));
    byId.set(input.id, { user: Object.freeze({ ...rest, id: input.id, username: input.username, isActive }), hash });
    idByName.set(input.username, input.id);
  }

  return {
    async authenticate(credentials) {
      const name = credentials[usernameField] ?? '';
      const password = credentials.password ?? '';
      const entry = byId.get(idByName.get(name) ?? '');
      const matches = await verifyPassword(password, entry?.hash ?? dummyHash);
      return entry !== undefined && matches ? entry.user : null;
    },
    getUser(id) {
      return byId.get(id)?.user ?? null;
    },
    async setPassword(id, password) {
      const entry = byId.get(id);
      if (entry === undefined) throw new Error(`no user "${id}"`);
      entry.hash = await hashPassword(password, cost);
    },
    setActive(id, isActive) {
      const entry = byId.get(id);
      if (entry === undefined) throw new Error(`no user "${id}"`);
      entry.user = Object.freeze({ ...entry.user, isActive });
    },
    remove(id) {
      const entry = byId.get(id);
      if (entry === undefined) return;
      byId.delete(id);
      idByName.delete(entry.user.username);
    },
  };
}
