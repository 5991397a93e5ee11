/**
 * The behaviour every {@link Signer} must have. `checkSigner` runs every check and throws the first
 * broken promise; `describeSignerContract` wraps it in a vitest suite, one test per promise. Exported from
 * `@latchkey/issuer/contract` (vitest is an optional peer dependency).
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { thumbprint, type JWK } from '../keys.js';
import { describe, it } from 'vitest';
import type { Signer } from './signer.js';

const HASH: Record<string, string | null> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
};
// RFC 7518 §3.4: r || s, each as long as the curve's order.
const ECDSA_SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A named promise of the contract: `check` throws an `Error` saying how the signer broke it. */
export interface SignerCheck {
  readonly name: string;
  check(signer: Signer): Promise<void>;
}

function verifies(signer: Signer, key: KeyObject, input: Uint8Array, signature: Uint8Array): boolean {
  const hash = HASH[signer.alg] ?? null;
  const options = signer.alg.startsWith('PS')
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : signer.alg.startsWith('ES')
      ? { key, dsaEncoding: 'ieee-p1363' as const }
      : key;
  return verify(hash, input, options, signature);
}

function publicKeyOf(signer: Signer): KeyObject {
  return createPublicKey({ key: signer.publicJwk as JWK, format: 'jwk' });
}

const input = (text: string): Uint8Array => new TextEncoder().encode(text);
const SAMPLE = input('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0');

/** The contract, as separate checks (in the order a reader should meet them). */
export const SIGNER_CHECKS: readonly SignerCheck[] = [
  {
    name: 'names a supported asymmetric alg and publishes only a public JWK with kid, alg and use',
    async check(signer) {
      if (!(signer.alg in HASH)) throw new Error(`alg ${JSON.stringify(signer.alg)} is not one a Signer may use`);
      const jwk = signer.publicJwk as Record<string, unknown>;
      const leaked = PRIVATE_MEMBERS.filter((member) => member in jwk);
      if (leaked.length > 0) throw new Error(`publicJwk holds private members: ${leaked.join(', ')}`);
      if (jwk['kid'] !== signer.kid || jwk['alg'] !== signer.alg || jwk['use'] !== 'sig')
        throw new Error('publicJwk must carry the same kid and alg, and use "sig"');
      if (publicKeyOf(signer).type !== 'public') throw new Error('publicJwk is not a public key');
    },
  },
  {
    name: 'uses the RFC 7638 SHA-256 thumbprint of the public key as kid',
    async check(signer) {
      const expected = thumbprint(signer.publicJwk as JWK);
      if (signer.kid !== expected) throw new Error(`kid ${signer.kid} is not the RFC 7638 thumbprint ${expected}`);
    },
  },
  {
    name: 'returns a promise of the raw JWS signature that verifies with publicJwk (ECDSA as r || s, not DER)',
    async check(signer) {
      const pending = signer.sign(SAMPLE);
      if (typeof (pending as Promise<Uint8Array> | undefined)?.then !== 'function') throw new Error('sign() must return a promise');
      const signature = await pending;
      if (!(signature instanceof Uint8Array)) throw new Error('sign() must resolve a Uint8Array');
      const expectedLength = ECDSA_SIGNATURE_BYTES[signer.alg];
      if (expectedLength !== undefined && signature.length !== expectedLength) {
        throw new Error(
          `an ${signer.alg} signature is ${expectedLength} bytes (r || s, RFC 7518 §3.4); got ${signature.length} (DER from a KMS must be converted)`,
        );
      }
      if (!verifies(signer, publicKeyOf(signer), SAMPLE, signature)) throw new Error('the signature does not verify with publicJwk');
    },
  },
  {
    name: 'signs exactly the bytes given: the signature of one input does not verify another',
    async check(signer) {
      const signature = await signer.sign(input('a.b'));
      if (verifies(signer, publicKeyOf(signer), input('a.c'), signature)) throw new Error('a signature verified for a different input');
    },
  },
  {
    name: 'signs concurrently: 50 signatures at once all verify their own input',
    async check(signer) {
      const inputs = Array.from({ length: 50 }, (_, index) => input(`header.payload-${index}`));
      const signatures = await Promise.all(inputs.map((bytes) => signer.sign(bytes)));
      const key = publicKeyOf(signer);
      const wrong = signatures.findIndex((signature, index) => !verifies(signer, key, inputs[index]!, signature));
      if (wrong !== -1) throw new Error(`concurrent signature #${wrong} does not verify its input`);
    },
  },
];

/** Runs every check of the contract against `signer`; throws the first failure, naming the check. */
export async function checkSigner(signer: Signer): Promise<void> {
  for (const { name, check } of SIGNER_CHECKS) {
    try {
      await check(signer);
    } catch (error) {
      throw new Error(`Signer contract: ${name}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * Defines the contract tests for a {@link Signer} (a KMS or HSM adapter runs it against its own signer).
 * `makeSigner` is called once per test.
 *
 * @example
 * import { describeSignerContract } from '@latchkey/issuer/contract';
 * describeSignerContract('AWS KMS ES256', () => kmsSigner({ keyId, client }));
 */
export function describeSignerContract(name: string, makeSigner: () => Signer | Promise<Signer>): void {
  describe(`${name}: Signer contract`, () => {
    for (const { name: promise, check } of SIGNER_CHECKS) {
      it(promise, async () => {
        await check(await makeSigner());
      });
    }
  });
}
