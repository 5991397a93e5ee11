/** The multi-issuer (multi-tenant) verifier: one verifier per trusted issuer, chosen by the token's `iss`. */
import { LatchkeyError, quoted } from './errors.js';
import { own } from './own.js';
import { eventSink, type EventHandler } from './events.js';
import { refuseUnknownKeys } from './internal/strict-options.js';
import { DEFAULT_MAX_TOKEN_BYTES, VERIFIER_OPTIONS, type VerifierOptions } from './options.js';
import { decodeJsonObject, payloadSegmentOf, splitCompact } from './token.js';
import type { JwtPayload } from './types.js';
import { JwtVerifier, publicVerifier, type Verifier } from './verifier.js';

/** One trusted issuer: its own keys, algorithms and rules. `issuer` is a single string here. */
export type IssuerOptions<Payload extends JwtPayload = JwtPayload> = Omit<VerifierOptions<Payload>, 'issuer' | 'onEvent' | 'maxTokenBytes'> & {
  issuer: string;
};

/** Options of {@link createMultiIssuerVerifier}. */
export interface MultiIssuerOptions<Payload extends JwtPayload = JwtPayload> {
  /** The allow-list of trusted issuers. A token whose `iss` is not here is refused before any key lookup or fetch. */
  issuers: ReadonlyArray<IssuerOptions<Payload>>;
  /** Largest accepted token, in bytes, for every issuer. Default {@link DEFAULT_MAX_TOKEN_BYTES} (32 KiB). */
  maxTokenBytes?: number;
  /** Observability for every issuer: the verifier's events (see `LatchkeyEvent`). Must not throw. */
  onEvent?: EventHandler;
}

const MULTI_ISSUER_OPTIONS: readonly string[] = Object.keys({ issuers: true, maxTokenBytes: true, onEvent: true } satisfies Record<
  keyof MultiIssuerOptions,
  true
>);
// An issuer takes every verifier option but the shared ones.
const ISSUER_OPTIONS: readonly string[] = VERIFIER_OPTIONS.filter((name) => name !== 'onEvent' && name !== 'maxTokenBytes');

/**
 * A verifier for resource servers that trust several issuers (tenants). It reads the token's still
 * unverified `iss`, picks that issuer's rules and key source from the allow-list by exact match, and
 * verifies with them alone. An unknown issuer is refused at once: its URL is never fetched.
 *
 * @example
 * createMultiIssuerVerifier({ issuers: [
 *   { issuer: 'https://a.example.com/', keys: oidcDiscovery('https://a.example.com/'), algorithms: ['RS256'], audience: 'api' },
 *   { issuer: 'https://b.example.com/', keys: remoteJwks('https://b.example.com/jwks'), algorithms: ['ES256'], audience: 'api' },
 * ] });
 */
export function createMultiIssuerVerifier<Payload extends JwtPayload = JwtPayload>(options: MultiIssuerOptions<Payload>): Verifier<Payload> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createMultiIssuerVerifier: options are required');
  refuseUnknownKeys(options, MULTI_ISSUER_OPTIONS, 'createMultiIssuerVerifier options');
  if (!Array.isArray(options.issuers) || options.issuers.length === 0) {
    throw new TypeError('createMultiIssuerVerifier: "issuers" must be a non-empty array');
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new TypeError('createMultiIssuerVerifier: "onEvent" must be a function');
  const events = eventSink(options.onEvent);
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 1) throw new TypeError('createMultiIssuerVerifier: "maxTokenBytes" must be an integer ≥ 1');
  const byIssuer = new Map<string, JwtVerifier<Payload>>();
  options.issuers.forEach((issuerOptions, index) => {
    if (typeof issuerOptions?.issuer !== 'string' || issuerOptions.issuer === '') {
      throw new TypeError(`createMultiIssuerVerifier: "issuers[${index}].issuer" must be a non-empty string`);
    }
    if (byIssuer.has(issuerOptions.issuer)) throw new TypeError(`createMultiIssuerVerifier: "issuers[${index}].issuer" is listed twice`);
    // Checked against the per-issuer keys before maxTokenBytes (shared) is added.
    refuseUnknownKeys(issuerOptions, ISSUER_OPTIONS, `createMultiIssuerVerifier options.issuers[${index}]`);
    try {
      byIssuer.set(issuerOptions.issuer, new JwtVerifier<Payload>({ ...issuerOptions, maxTokenBytes }, events));
    } catch (error) {
      throw new TypeError(`createMultiIssuerVerifier: issuers[${index}]: ${(error as Error).message}`, { cause: error });
    }
  });

  return publicVerifier<Payload>({
    events,
    // The token is split once, here: its still unverified `iss` picks the verifier, which takes it on.
    check(token) {
      const parts = splitCompact(token, maxTokenBytes);
      const payload = decodeJsonObject(payloadSegmentOf(parts), 'payload') as Payload;
      const iss = own(payload, 'iss');
      const match = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
      if (match === undefined) {
        throw new LatchkeyError('ERR_JWT_ISSUER_NOT_ALLOWED', "the token's issuer is not trusted", {
          claim: 'iss',
          detail: `expected one of ${quoted([...byIssuer.keys()])}, received ${quoted(iss)}`,
        });
      }
      return match.verifySplit(token, parts, payload);
    },
    async warm() {
      await Promise.all([...byIssuer.values()].map((verifier) => verifier.warm()));
    },
  });
}
