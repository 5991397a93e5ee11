/** The issuer's key ring: which key signs now, which keys verify and are published, from data and the clock. */
import { staticKeys, type KeySource, type PreparedKey } from '@latchkey/core';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { createPublicKey } from 'node:crypto';
import { SIGNING_ALGORITHMS, prepareSigningKey, type PublishedJwk, type SigningAlgorithm, type SigningKeyInput } from '../keys.js';
import { isSigner, type Signer } from './signer.js';
import { keyStatesAt, nextChangeAfter, scheduleKeys, type KeyState, type ScheduledKey } from './schedule.js';
import { ringKeySource } from './ring-source.js';

/** One key of a ring. */
export interface KeyRingEntry {
  /** An HMAC secret, a private key (PEM, JWK, `KeyObject`), or a {@link Signer} (a KMS or HSM key). */
  key: SigningKeyInput | Signer;
  /** The key's algorithm. Default: the issuer's `algorithm`. A `Signer` names its own. */
  algorithm?: SigningAlgorithm;
  /** When it starts signing: a `Date` or an ISO 8601 time with a zone. Before that it is "next": published, not signing. */
  activateAt: Date | string;
  /** When it is dropped. Default (and minimum): its successor's activation + the longest token lifetime + `retireMarginSeconds`. */
  retireAt?: Date | string;
}

/** The `keyRing` option: the keys and their activation times, the same on every instance. */
export interface KeyRingOptions {
  /** The keys, in any order. All HMAC secrets, or all asymmetric keys. */
  keys: readonly KeyRingEntry[];
  /** Seconds past the longest token lifetime before a retiring key goes. Default `DEFAULT_RETIRE_MARGIN_SECONDS` (60). */
  retireMarginSeconds?: number;
}

/** A key's state, for operators (`issuer.keyStates()`, `latchkey keys rotate`): public data only. */
export interface KeyStatus {
  readonly kid: string | undefined;
  readonly alg: SigningAlgorithm;
  readonly state: KeyState;
  readonly activateAt: string;
  /** `undefined` for the newest key: nothing replaces it yet. */
  readonly retireAt: string | undefined;
}

/** A prepared ring key. */
export interface RingKey extends ScheduledKey {
  readonly index: number;
  readonly alg: SigningAlgorithm;
  readonly kid: string | undefined;
  readonly publicJwk: PublishedJwk | undefined;
  /** A core key source verifying this key's signatures alone. */
  readonly keySource: KeySource;
  /** The base64url JWS signature of `signingInput`. */
  sign(signingInput: string): string | Promise<string>;
  /** Core keys handed out for this key, flagged `retired` when it leaves the ring (the verified-token cache drops their entries). */
  readonly handedOut: Set<PreparedKey>;
}

/** The ring at one instant: valid until `untilMs`. */
export interface RingView {
  readonly active: RingKey;
  /** Next, active and retiring keys: they verify (a next key may sign early on an instance whose clock runs ahead). */
  readonly verifying: readonly RingKey[];
  /** The JWKS body's keys (none for HMAC). */
  readonly published: readonly PublishedJwk[];
  readonly states: readonly KeyState[];
  readonly fromMs: number;
  readonly untilMs: number;
}

const RING_OPTIONS = ['keys', 'retireMarginSeconds'] as const;
const ENTRY_OPTIONS = ['key', 'algorithm', 'activateAt', 'retireAt'] as const;
const isHmac = (alg: SigningAlgorithm): boolean => alg.startsWith('HS');

function prepareEntry(entry: KeyRingEntry, fallbackAlg: SigningAlgorithm, where: string): Omit<RingKey, keyof ScheduledKey | 'index' | 'handedOut'> {
  if (isSigner(entry.key)) {
    const signer = entry.key;
    if (entry.algorithm !== undefined && entry.algorithm !== signer.alg)
      throw new TypeError(`createIssuer: "${where}.algorithm" is ${entry.algorithm}, but its Signer signs ${signer.alg}`);
    if (!(SIGNING_ALGORITHMS as readonly string[]).includes(signer.alg) || isHmac(signer.alg))
      throw new TypeError(`createIssuer: "${where}.key" is a Signer with an unsupported alg ${JSON.stringify(signer.alg)}`);
    let publicKey;
    try {
      publicKey = createPublicKey({ key: signer.publicJwk, format: 'jwk' });
    } catch (cause) {
      throw new TypeError(`createIssuer: "${where}.key" is a Signer whose publicJwk is not a usable public key`, { cause });
    }
    return {
      alg: signer.alg,
      kid: signer.kid,
      publicJwk: { ...signer.publicJwk, kid: signer.kid, alg: signer.alg, use: 'sig' },
      keySource: staticKeys([{ key: publicKey, kid: signer.kid, alg: signer.alg }]),
      sign: async (signingInput) => Buffer.from(await signer.sign(Buffer.from(signingInput, 'latin1'))).toString('base64url'),
    };
  }
  const alg = entry.algorithm ?? fallbackAlg;
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg))
    throw new TypeError(`createIssuer: "${where}.algorithm" must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const prepared = prepareSigningKey(alg, entry.key, `${where}.key`);
  return { alg, kid: prepared.kid, publicJwk: prepared.publicJwk, keySource: prepared.keySource, sign: prepared.sign };
}

/** The key ring, built once at start-up; every read is a function of the clock. */
export class KeyRing {
  private view: RingView | undefined;
  /** Every algorithm of the ring (a verifier's allow-list). */
  readonly algorithms: readonly SigningAlgorithm[];
  /** How many keys the ring holds (the most a kid-less HMAC token may be tried against). */
  get size(): number {
    return this.keys.length;
  }

  /** True for a ring of HMAC secrets (nothing is published). */
  readonly symmetric: boolean;
  /** Verifies with the keys that verify *now*. */
  readonly keySource: KeySource;

  private constructor(private readonly keys: readonly RingKey[]) {
    this.algorithms = [...new Set(keys.map((key) => key.alg))];
    this.symmetric = isHmac(keys[0]!.alg);
    this.keySource = ringKeySource(this);
  }

  /** A ring of one key that never rotates (the `signingKey` option). */
  static single(alg: SigningAlgorithm, input: SigningKeyInput): KeyRing {
    const prepared = prepareSigningKey(alg, input);
    return new KeyRing([
      {
        index: 0,
        alg,
        kid: prepared.kid,
        publicJwk: prepared.publicJwk,
        keySource: prepared.keySource,
        sign: prepared.sign,
        handedOut: new Set(),
        activateAtMs: Number.NEGATIVE_INFINITY,
        retireAtMs: Number.POSITIVE_INFINITY,
      },
    ]);
  }

  /**
   * Validates the `keyRing` option: strict keys, times, one key family, distinct `kid`s, a key active now.
   * `maxTokenLifetimeSeconds` is the longest lifetime of any token the issuer signs, leeway included.
   */
  static fromOptions(options: KeyRingOptions, fallbackAlg: SigningAlgorithm, maxTokenLifetimeSeconds: number, nowMs = Date.now()): KeyRing {
    if (typeof options !== 'object' || options === null) throw new TypeError('createIssuer: "keyRing" must be an object { keys: [...] }');
    refuseUnknownKeys(options, RING_OPTIONS, 'createIssuer keyRing');
    const margin = options.retireMarginSeconds;
    if (margin !== undefined && (typeof margin !== 'number' || !Number.isInteger(margin) || margin < 0))
      throw new TypeError('createIssuer: "keyRing.retireMarginSeconds" must be a whole number of seconds ≥ 0');
    if (!Array.isArray(options.keys) || options.keys.length === 0) throw new TypeError('createIssuer: "keyRing.keys" must be a non-empty array');
    options.keys.forEach((entry, index) => {
      if (typeof entry !== 'object' || entry === null) throw new TypeError(`createIssuer: "keyRing.keys[${index}]" must be an object`);
      refuseUnknownKeys(entry, ENTRY_OPTIONS, `createIssuer keyRing.keys[${index}]`);
    });
    const schedule = scheduleKeys(options.keys, { maxTokenLifetimeSeconds, retireMarginSeconds: margin });
    const keys = schedule.map((timing) => ({
      ...timing,
      ...prepareEntry(options.keys[timing.index]!, fallbackAlg, `keyRing.keys[${timing.index}]`),
      handedOut: new Set<PreparedKey>(),
    }));
    const kinds = new Set(keys.map((key) => isHmac(key.alg)));
    // One token's alg picks the kind of key; a ring that mixes them would let an HS token meet a public key's bytes.
    if (kinds.size > 1)
      throw new TypeError('createIssuer: "keyRing.keys" mixes HMAC secrets and asymmetric keys; rotate from one to the other in two steps with two issuers');
    const kids = keys.map((key) => key.kid).filter((kid) => kid !== undefined);
    const repeated = kids.find((kid, position) => kids.indexOf(kid) !== position);
    if (repeated !== undefined) throw new TypeError(`createIssuer: "keyRing.keys" holds the key ${repeated} twice`);
    if (keys[0]!.activateAtMs > nowMs)
      throw new TypeError(
        `createIssuer: "keyRing.keys" has no key active yet (the first activates at ${new Date(keys[0]!.activateAtMs).toISOString()}), so nothing could sign`,
      );
    return new KeyRing(keys);
  }

  /** The ring at `nowMs`, cached until its next change. */
  viewAt(nowMs: number): RingView {
    const cached = this.view;
    if (cached !== undefined && nowMs >= cached.fromMs && nowMs < cached.untilMs) return cached;
    const states = keyStatesAt(this.keys, nowMs);
    // The newest key activated by now signs (there is one: checked at start-up, and keys only activate).
    const active = this.keys[states.lastIndexOf('active')]!;
    // Active first: a kid-less (HMAC) token is tried against each secret in this order, and most are the active one's.
    const verifying = [active, ...this.keys.filter((key, position) => states[position] !== 'retired' && key !== active).reverse()];
    const previousFrom = this.keys.reduce(
      (latest, key) => Math.max(latest, ...[key.activateAtMs, key.retireAtMs].filter((at) => at <= nowMs)),
      Number.NEGATIVE_INFINITY,
    );
    this.keys.forEach((key, position) => {
      if (states[position] === 'retired') for (const prepared of key.handedOut) prepared.retired = true;
    });
    this.view = {
      active,
      verifying,
      published: verifying.flatMap((key) => (key.publicJwk === undefined ? [] : [key.publicJwk])),
      states,
      fromMs: previousFrom,
      untilMs: nextChangeAfter(this.keys, nowMs),
    };
    return this.view;
  }

  /** Every key's state at `nowMs` (public data only). */
  statusAt(nowMs: number): KeyStatus[] {
    const { states } = this.viewAt(nowMs);
    return this.keys.map((key, position) => ({
      kid: key.kid,
      alg: key.alg,
      state: states[position]!,
      activateAt: Number.isFinite(key.activateAtMs) ? new Date(key.activateAtMs).toISOString() : 'always',
      retireAt: Number.isFinite(key.retireAtMs) ? new Date(key.retireAtMs).toISOString() : undefined,
    }));
  }
}
