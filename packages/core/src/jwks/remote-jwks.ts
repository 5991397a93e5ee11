/** Keys from a remote JWK Set URL (RFC 7517 §5). */
import type { KeySource } from '../key-source.js';
import { parseHttpUrl } from './fetch-json.js';
import { JwksKeySource } from './jwks-source.js';
import { insecureTransport } from './transport.js';
import { resolveJwksOptions, type RemoteJwksOptions } from './options.js';

/**
 * Keys from a remote JWK Set (RFC 7517 §5), e.g. `https://idp.example.com/.well-known/jwks.json`.
 *
 * - The set is fetched once and shared by every request; concurrent requests share one fetch.
 * - Its freshness follows the response's `Cache-Control: max-age` (or `Expires`) within
 *   `minCacheAgeMs`..`maxCacheAgeMs`, else `cacheMaxAgeMs`; once three quarters of it have passed, the
 *   next request refreshes it in the background and is served at once.
 * - A token whose `kid` the set lacks triggers a fetch, so a newly published key is accepted on its first
 *   use; a fetch that does not find the `kid` starts `cooldownMs`, within which unknown `kid`s are refused
 *   at once (random `kid`s cost the provider at most one fetch per cooldown).
 * - When refreshes fail, the last good set keeps serving for `staleIfErrorMs` past its expiry; each
 *   failure is a `keys-fetch-failed` event. With no usable set, requests fail with
 *   `ERR_JWKS_UNAVAILABLE` within `timeoutMs`.
 * - Every fetch is bounded in time and bytes and never follows a redirect. The URL comes from here only:
 *   a token's `jku`, `x5u` or `jwk` never chooses where keys come from.
 *
 * Throws a `TypeError` at once for a URL that is not absolute http(s), plain `http:` to a host that is not
 * loopback (unless `allowInsecureHttp: true`), or an invalid option.
 *
 * @example
 * const verifier = createVerifier({
 *   keys: remoteJwks('https://idp.example.com/.well-known/jwks.json', { cooldownMs: 5_000 }),
 *   algorithms: ['RS256'],
 *   issuer: 'https://idp.example.com/',
 *   audience: 'api',
 * });
 */
export function remoteJwks(url: string | URL, options?: RemoteJwksOptions): KeySource {
  const resolved = resolveJwksOptions('remoteJwks', options);
  const parsed = parseHttpUrl(url);
  if (typeof parsed === 'string') throw new TypeError(`remoteJwks: the JWKS URL ${parsed}`);
  const insecure = insecureTransport(parsed, resolved.allowInsecureHttp);
  if (insecure !== undefined) throw new TypeError(`remoteJwks: the JWKS URL ${insecure}`);
  // The description may reach logs: the query string (which could hold an API key) is left out.
  return new JwksKeySource(`${parsed.origin}${parsed.pathname}`, resolved, {
    locate: () => parsed,
    forget: () => {},
  });
}
