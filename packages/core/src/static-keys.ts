/** Key sources from configuration: static public keys and HMAC secrets. */
import type { JwsAlgorithm } from './algorithms.js';
import type { KeySource } from './key-source.js';
import { KeySet } from './key-set.js';
import type { KeyImportError } from './keys.js';
import { prepareJwk, prepareSecret, prepareStaticKey, type PreparedKey, type SecretInput, type StaticKeyInput } from './keys.js';
import { LatchkeyError, quoted } from './errors.js';
import { refuseUnknownKeys } from './internal/strict-options.js';
import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** A static public key with optional `kid` and `alg`. */
export interface StaticKeyEntry {
  key: StaticKeyInput;
  kid?: string;
  alg?: JwsAlgorithm;
}

/** What {@link staticKeys} accepts: a JWK set, one key, or a list of keys and entries. */
export type StaticKeysInput = { keys: JWK[] } | StaticKeyInput | ReadonlyArray<StaticKeyInput | StaticKeyEntry>;

const STATIC_KEY_ENTRY = Object.keys({ key: true, kid: true, alg: true } satisfies Record<keyof StaticKeyEntry, true>);
const SECRET_ENTRY = Object.keys({ secret: true, kid: true, alg: true } satisfies Record<keyof SecretInput, true>);

function isEntry(value: unknown): value is StaticKeyEntry {
  return typeof value === 'object' && value !== null && 'key' in value && !('kty' in value);
}

class PreparedSource implements KeySource {
  private set: KeySet | undefined;
  private preparing: Promise<KeySet> | undefined;

  constructor(
    readonly description: string,
    readonly symmetric: boolean,
    private readonly prepare: () => Promise<PreparedKey[]> | PreparedKey[],
  ) {}

  getKeys(lookup: Parameters<KeySource['getKeys']>[0]): readonly PreparedKey[] | Promise<readonly PreparedKey[]> {
    const set = this.set;
    if (set !== undefined) return found(set.candidates(lookup), lookup.kid);
    return this.load().then((loaded) => found(loaded.candidates(lookup), lookup.kid));
  }

  async warm(): Promise<void> {
    await this.load();
  }

  load(): Promise<KeySet> {
    this.preparing ??= Promise.resolve()
      .then(this.prepare)
      .then((keys) => {
        if (keys.length === 0) throw new TypeError(`${this.description}: no keys were given`);
        this.set = new KeySet(keys);
        return this.set;
      });
    return this.preparing;
  }
}

function found(candidates: readonly PreparedKey[], kid: string | undefined): readonly PreparedKey[] {
  if (candidates.length === 0) {
    throw new LatchkeyError(
      'ERR_JWKS_NO_MATCHING_KEY',
      kid === undefined ? 'no configured key matches the token' : 'no configured key matches the token\'s "kid"',
      {
        detail: kid === undefined ? 'the token has no kid' : `kid ${quoted(kid)} is not among the configured keys`,
      },
    );
  }
  return candidates;
}

/**
 * Static public keys: a JWK set (`{ keys: [...] }`), one key (PEM string, `KeyObject` or JWK), or a list of
 * keys and `{ key, kid, alg }` entries. Keys are imported once; an unusable key fails at start-up
 * (`warm()`, which the verifier's `warm()` calls) with a message that names it.
 *
 * @example staticKeys({ keys: [publicJwk] })
 * @example staticKeys([{ key: fs.readFileSync('idp.pem', 'utf8'), kid: '2026-11', alg: 'RS256' }])
 */
export function staticKeys(input: StaticKeysInput): KeySource {
  const entries: StaticKeyEntry[] = [];
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && 'keys' in input && Array.isArray((input as { keys: unknown }).keys)) {
    for (const jwk of (input as { keys: JWK[] }).keys) entries.push({ key: jwk });
  } else if (Array.isArray(input)) {
    for (const [index, item] of (input as Array<StaticKeyInput | StaticKeyEntry>).entries()) {
      // A misspelt `kid` or `alg` would be dropped: the key would then match any kid, or any algorithm.
      if (isEntry(item)) refuseUnknownKeys(item, STATIC_KEY_ENTRY, `staticKeys entry #${index}`);
      entries.push(isEntry(item) ? item : { key: item as StaticKeyInput });
    }
  } else {
    entries.push({ key: input as StaticKeyInput });
  }
  return new PreparedSource('static keys', false, () =>
    Promise.all(
      entries.map((entry, index) =>
        (isJwk(entry.key) && entry.kid === undefined && entry.alg === undefined
          ? prepareJwk(entry.key)
          : prepareStaticKey(entry.key, { kid: entry.kid, alg: entry.alg })
        ).catch((error: unknown) => {
          throw new TypeError(`staticKeys: key #${index}${entry.kid ? ` ("${entry.kid}")` : ''} is unusable: ${(error as Error).message}`, { cause: error });
        }),
      ),
    ),
  );
}

function isJwk(value: unknown): value is JWK {
  return typeof value === 'object' && value !== null && !(value as KeyObject).type && 'kty' in value;
}

/**
 * HMAC secrets, several at once for rotation (tokens name one by `kid`, or each is tried when the token has
 * no `kid`). Only a source made here can verify HS256/384/512: a public key can never become an HMAC key.
 * Secrets shorter than the hash (RFC 7518 §3.2) or that look like public keys are refused at start-up.
 *
 * @example hmacSecrets(process.env.JWT_SECRET!)
 * @example hmacSecrets([{ kid: '2026-11', secret: current }, { kid: '2026-10', secret: previous }])
 */
export function hmacSecrets(input: string | Uint8Array | KeyObject | ReadonlyArray<string | Uint8Array | KeyObject | SecretInput>): KeySource {
  const list = Array.isArray(input) ? (input as ReadonlyArray<string | Uint8Array | KeyObject | SecretInput>) : [input as string | Uint8Array | KeyObject];
  // Prepared eagerly: secrets are synchronous to import, so a bad one fails right where it is configured.
  const keys = list.map((item, index) => {
    const isSecretEntry = typeof item === 'object' && item !== null && 'secret' in item;
    if (isSecretEntry) refuseUnknownKeys(item, SECRET_ENTRY, `hmacSecrets entry #${index}`);
    const entry: SecretInput = isSecretEntry ? item : { secret: item as string };
    try {
      return prepareSecret(entry);
    } catch (error) {
      throw new TypeError(`hmacSecrets: secret #${index}${entry.kid ? ` ("${entry.kid}")` : ''} is unusable: ${(error as KeyImportError).message}`, {
        cause: error,
      });
    }
  });
  if (keys.length === 0) throw new TypeError('hmacSecrets: no secrets were given');
  const source = new PreparedSource('HMAC secrets', true, () => keys);
  void source.load();
  return source;
}
