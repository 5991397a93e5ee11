import { LatchkeyError } from './errors.js';
import { own } from './own.js';
import { eventSink, type EventHandler } from './events.js';
import { DEFAULT_MAX_TOKEN_BYTES, type VerifierOptions } from './options.js';
import { decodeJsonObject, payloadSegmentOf, splitCompact } from './token.js';
import type { JwtPayload, VerifiedToken } from './types.js';
import { JwtVerifier, type Verifier } from './verifier.js';

/** One trusted issuer: its own keys, algorithms and rules. `issuer` is a single string here. */
export type IssuerOptions<Payload extends JwtPayload = JwtPayload> = Omit<VerifierOptions<Payload>, 'issuer' | 'onEvent' | 'maxTokenBytes'> & {
  issuer: string;
};

/** Options of {@link createMultiIssuerVerifier}. */
export interface MultiIssuerOptions<Payload extends JwtPayload = JwtPayload> {
  /** The allow-list of trusted issuers. A token whose `iss` is not here is refused before any key lookup or fetch. */
  issuers: ReadonlyArray<IssuerOptions<Payload>>;
  /** Largest accepted token, in bytes. Default 32 KiB. */
  maxTokenBytes?: number;
  onEvent?: EventHandler;
}

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
  if (typeof options !== 'object' || options === null || !Array.isArray(options.issuers) || options.issuers.length === 0) {
    throw new TypeError('createMultiIssuerVerifier: "issuers" must be a non-empty array');
  }
  const events = eventSink(options.onEvent);
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 1) throw new TypeError('createMultiIssuerVerifier: "maxTokenBytes" must be an integer ≥ 1');
  const byIssuer = new Map<string, JwtVerifier<Payload>>();
  options.issuers.forEach((issuerOptions, index) => {
    if (typeof issuerOptions?.issuer !== 'string' || issuerOptions.issuer === '') {
      throw new TypeError(`createMultiIssuerVerifier: "issuers[${index}].issuer" must be a non-empty string`);
    }
    if (byIssuer.has(issuerOptions.issuer)) throw new TypeError(`createMultiIssuerVerifier: "issuers[${index}].issuer" is listed twice`);
    try {
      byIssuer.set(issuerOptions.issuer, new JwtVerifier<Payload>({ ...issuerOptions, maxTokenBytes }, events));
    } catch (error) {
      throw new TypeError(`createMultiIssuerVerifier: issuers[${index}]: ${(error as Error).message}`, { cause: error });
    }
  });
  const first = byIssuer.values().next().value as JwtVerifier<Payload>;

  function verify(token: string): Promise<VerifiedToken<Payload>> {
    let verifier = first;
    try {
      const parts = splitCompact(token, maxTokenBytes);
      const payload = decodeJsonObject(payloadSegmentOf(parts), 'payload') as Payload;
      const iss = own(payload, 'iss');
      const match = typeof iss === 'string' ? byIssuer.get(iss) : undefined;
      if (match === undefined) throw new LatchkeyError('ERR_JWT_ISSUER_NOT_ALLOWED', 'the token\'s issuer is not trusted', { claim: 'iss' });
      verifier = match;
      const hit = verifier.cached(token);
      const outcome = hit !== undefined ? verifier.afterChecks(hit) : verifier.verifyDecoded(token, parts, payload);
      const chosen = verifier;
      return outcome instanceof Promise ? outcome.catch((error: unknown) => Promise.reject(chosen.rejected(error))) : Promise.resolve(outcome);
    } catch (error) {
      return Promise.reject(verifier.rejected(error));
    }
  }

  async function warm(): Promise<void> {
    await Promise.all([...byIssuer.values()].map((verifier) => verifier.warm()));
  }

  return Object.freeze({ verify, warm });
}
