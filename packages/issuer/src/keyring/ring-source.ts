/** A core `KeySource` over the ring: verifies with the keys that verify *now*, and with no others. */
import { LatchkeyError, type KeyLookup, type KeySource, type PreparedKey } from '@latchkey/core';
import type { KeyRing, RingKey } from './ring.js';

type Found = readonly PreparedKey[] | Promise<readonly PreparedKey[]>;

function noKey(kid: string | undefined): never {
  throw new LatchkeyError(
    'ERR_JWKS_NO_MATCHING_KEY',
    kid === undefined ? 'no configured key matches the token' : 'no configured key matches the token\'s "kid"',
    {
      detail: kid === undefined ? 'no key of the ring verifies this token' : 'the kid is not a key of the ring (unknown, or retired)',
    },
  );
}

function remember(key: RingKey, found: readonly PreparedKey[]): readonly PreparedKey[] {
  for (const prepared of found) key.handedOut.add(prepared);
  return found;
}

/** Asks each key's own source, and keeps the answers of those that have one (an HMAC token has no `kid`: each secret is tried). */
function gather(keys: readonly RingKey[], lookup: KeyLookup, events: Parameters<KeySource['getKeys']>[1]): Found {
  const answers = keys.map((key) => {
    try {
      const found = key.keySource.getKeys(lookup, events);
      return Array.isArray(found)
        ? remember(key, found)
        : (found as Promise<readonly PreparedKey[]>).then(
            (keys) => remember(key, keys),
            () => [],
          );
    } catch {
      return [];
    }
  });
  const finish = (lists: ReadonlyArray<readonly PreparedKey[]>): readonly PreparedKey[] => {
    const all = lists.flat();
    return all.length > 0 ? all : noKey(lookup.kid);
  };
  return answers.every(Array.isArray) ? finish(answers as Array<readonly PreparedKey[]>) : Promise.all(answers).then(finish);
}

/** The ring as a core `KeySource`, for the issuer's own verifier: it follows rotations without a restart. */
export function ringKeySource(ring: KeyRing): KeySource {
  return {
    description: 'the issuer key ring',
    symmetric: ring.symmetric,
    getKeys(lookup, events) {
      const { verifying } = ring.viewAt(Date.now());
      if (lookup.kid === undefined) return gather(verifying, lookup, events);
      const key = verifying.find((candidate) => candidate.kid === lookup.kid);
      return key === undefined ? noKey(lookup.kid) : gather([key], lookup, events);
    },
    async warm(events) {
      await Promise.all(ring.viewAt(Date.now()).verifying.map((key) => key.keySource.warm(events)));
    },
    // A cached verified token never outlives the key that vouched for it.
    trustedUntilMs() {
      const { verifying } = ring.viewAt(Date.now());
      return Math.min(...verifying.map((key) => key.retireAtMs));
    },
  };
}
