/** Turns a fetched JWK Set into usable keys, skipping (and reporting) the ones that cannot be used. */
import type { EventSink } from '../events.js';
import { KeySet } from '../key-set.js';
import { prepareJwk, type PreparedKey } from '../keys.js';
import { RemoteDocumentError } from './fetch-json.js';
import { displayable } from '../displayable.js';

/** A key set built from a JWKS document, and its keys by canonical JWK for the next refresh to reuse. */
export interface LoadedKeySet {
  readonly set: KeySet;
  readonly byJwk: ReadonlyMap<string, PreparedKey>;
  readonly skippedCount: number;
}

/**
 * Turns a fetched JWKS document into a {@link KeySet}. Keys that fail `prepareJwk` are skipped (one
 * `key-skipped` event each) and the rest used; keys beyond `maxKeys` are ignored (`keys-truncated`). A
 * JWK identical to one in `previous` keeps its `PreparedKey` object, so whatever is cached against it
 * (verified tokens) survives the refresh. Rejects with a {@link RemoteDocumentError} when the document is
 * not a JWK Set or leaves no usable key: an empty or broken publication never replaces a working set.
 */
export async function loadKeySet(
  document: unknown,
  url: string,
  previous: ReadonlyMap<string, PreparedKey>,
  maxKeys: number,
  events: EventSink,
): Promise<LoadedKeySet> {
  const listed = typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
  // RFC 7517 §5: a JWK Set is an object whose "keys" member is an array of JWKs.
  if (!Array.isArray(listed)) throw new RemoteDocumentError(url, 'invalid-document', 'the response is not a JWK Set ({"keys": [...]})');
  let jwks: readonly unknown[] = listed;
  if (jwks.length > maxKeys) {
    if (events.active) events.emit({ type: 'keys-truncated', url, keyCount: jwks.length, maxKeys });
    jwks = jwks.slice(0, maxKeys);
  }

  const byJwk = new Map<string, PreparedKey>();
  let skippedCount = 0;
  const prepared = await Promise.all(
    jwks.map(async (jwk): Promise<[string, PreparedKey] | undefined> => {
      try {
        const canonical = canonicalJwk(jwk);
        return [canonical, previous.get(canonical) ?? (await prepareJwk(jwk))];
      } catch (error) {
        skippedCount += 1;
        if (events.active) events.emit({ type: 'key-skipped', url, kid: kidOf(jwk), reason: displayable((error as Error).message) });
        return undefined;
      }
    }),
  );
  for (const entry of prepared) {
    // A JWK listed twice is one key, not two candidates.
    if (entry !== undefined && !byJwk.has(entry[0])) byJwk.set(entry[0], entry[1]);
  }
  if (byJwk.size === 0)
    throw new RemoteDocumentError(url, 'invalid-document', `the JWK Set has no usable key (${jwks.length} listed, ${skippedCount} skipped)`);
  return { set: new KeySet([...byJwk.values()]), byJwk, skippedCount };
}

/** The JWK as JSON with its members sorted: equal for the same key whatever the member order. */
function canonicalJwk(jwk: unknown): string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new Error('a JWK must be an object');
  return JSON.stringify(jwk, Object.keys(jwk).sort());
}

function kidOf(jwk: unknown): string | undefined {
  const kid = typeof jwk === 'object' && jwk !== null ? (jwk as { kid?: unknown }).kid : undefined;
  return typeof kid === 'string' ? displayable(kid) : undefined;
}
