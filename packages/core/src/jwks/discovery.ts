/** Keys found by OpenID Connect Discovery: the issuer's metadata document gives the jwks_uri. */
import type { EventSink } from '../events.js';
import type { KeySource } from '../key-source.js';
import { displayable } from '../displayable.js';
import { fetchJson, parseHttpUrl, RemoteDocumentError } from './fetch-json.js';
import { JwksKeySource, type JwksLocator } from './jwks-source.js';
import { insecureTransport } from './transport.js';
import { resolveJwksOptions, type RemoteJwksOptions, type ResolvedJwksOptions } from './options.js';

/** Options of {@link oidcDiscovery}: those of `remoteJwks`; `timeoutMs` bounds discovery and JWKS fetch together. */
export type DiscoveryOptions = RemoteJwksOptions;

/**
 * Keys of an OpenID Connect provider, found by discovery (OpenID Connect Discovery 1.0):
 * `<issuer>/.well-known/openid-configuration` gives the `jwks_uri`, which is then used as
 * {@link remoteJwks} would, with the same options and behaviour.
 *
 * - The document's `issuer` must equal `issuer` exactly (Discovery §4.3), and `jwks_uri` must be an
 *   absolute http(s) URL, https when the issuer is.
 * - Discovery and the JWKS fetch share one deadline (`timeoutMs`, default 5000 ms): a request that has
 *   to wait for keys never waits longer in total.
 * - The `jwks_uri` is kept until a refresh fails; the next attempt (rate-limited by `cooldownMs`) then
 *   discovers again, so a provider that moves its JWKS is followed without a restart.
 *
 * Throws a `TypeError` at once when `issuer` is not an absolute http(s) URL without query or fragment,
 * or an option is invalid. OpenID Connect requires https issuers; plain `http:` is accepted for loopback
 * hosts (local development and tests), and elsewhere only with `allowInsecureHttp: true`.
 *
 * @example
 * const verifier = createVerifier({
 *   keys: oidcDiscovery('https://idp.example.com/'),
 *   algorithms: ['RS256'],
 *   issuer: 'https://idp.example.com/',
 *   audience: 'api',
 * });
 */
export function oidcDiscovery(issuer: string, options?: DiscoveryOptions): KeySource {
  const resolved = resolveJwksOptions('oidcDiscovery', options);
  if (typeof issuer !== 'string') throw new TypeError('oidcDiscovery: the issuer must be a string');
  const parsed = parseHttpUrl(issuer);
  if (typeof parsed === 'string') throw new TypeError(`oidcDiscovery: the issuer ${parsed}`);
  const insecure = insecureTransport(parsed, resolved.allowInsecureHttp);
  if (insecure !== undefined) throw new TypeError(`oidcDiscovery: the issuer ${insecure}`);
  // OpenID Connect Core §2: an issuer has no query or fragment component.
  if (issuer.includes('?') || issuer.includes('#')) throw new TypeError('oidcDiscovery: the issuer must not have a query or fragment');
  // Discovery §4.1: the well-known path is appended to the issuer with its trailing "/" removed.
  const discoveryUrl = `${issuer.endsWith('/') ? issuer.slice(0, -1) : issuer}/.well-known/openid-configuration`;
  return new JwksKeySource(issuer, resolved, new DiscoveryLocator(issuer, discoveryUrl, resolved));
}

class DiscoveryLocator implements JwksLocator {
  private jwksUri: URL | undefined;

  constructor(
    private readonly issuer: string,
    private readonly discoveryUrl: string,
    private readonly options: ResolvedJwksOptions,
  ) {}

  async locate(signal: AbortSignal, events: EventSink): Promise<URL> {
    if (this.jwksUri !== undefined) return this.jwksUri;
    const started = performance.now();
    const { maxResponseBytes, headers, fetch } = this.options;
    const { body } = await fetchJson(this.discoveryUrl, { signal, maxResponseBytes, headers, fetch });
    const jwksUri = this.jwksUriOf(body);
    this.jwksUri = jwksUri;
    if (events.active) {
      events.emit({ type: 'discovery-fetched', url: this.discoveryUrl, jwksUri: jwksUri.href, durationMs: performance.now() - started });
    }
    return jwksUri;
  }

  forget(): void {
    this.jwksUri = undefined;
  }

  private jwksUriOf(document: unknown): URL {
    const invalid = (problem: string): RemoteDocumentError => new RemoteDocumentError(this.discoveryUrl, 'invalid-document', problem);
    if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalid('the discovery document is not a JSON object');
    const { issuer, jwks_uri: jwksUri } = document as { issuer?: unknown; jwks_uri?: unknown };
    // Discovery §4.3: a mismatch means the wrong document, or one impersonating another issuer.
    if (issuer !== this.issuer)
      throw invalid(`the discovery document's issuer ${displayable(JSON.stringify(issuer))} is not the configured ${JSON.stringify(this.issuer)}`);
    if (typeof jwksUri !== 'string') throw invalid('the discovery document has no "jwks_uri"');
    const url = parseHttpUrl(jwksUri);
    if (typeof url === 'string') throw invalid(`the "jwks_uri" ${url}`);
    if (new URL(this.issuer).protocol === 'https:' && url.protocol !== 'https:') throw invalid('the "jwks_uri" must use https, as the issuer does');
    const insecure = insecureTransport(url, this.options.allowInsecureHttp);
    if (insecure !== undefined) throw invalid(`the "jwks_uri" ${insecure}`);
    return url;
  }
}
