/**
 * Whether a configured or discovered URL may carry keys. Keys fetched over plain `http:` can be replaced
 * by anyone on the path (then any token verifies), so `http:` is refused unless the host is loopback,
 * whose traffic never leaves the machine, or the user says `allowInsecureHttp: true`.
 */

// 127.0.0.0/8 (RFC 1122 §3.2.1.3); the URL parser has already normalised forms such as `127.1`.
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** `localhost` (RFC 6761 §6.3), 127.0.0.0/8 or `[::1]`. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || IPV4_LOOPBACK.test(host);
}

/** What is wrong with fetching keys from `url`, or `undefined` when nothing is. */
export function insecureTransport(url: URL, allowInsecureHttp: boolean): string | undefined {
  if (url.protocol !== 'http:' || allowInsecureHttp || isLoopback(url)) return undefined;
  return 'uses plain http: to a host that is not loopback; use https:, or set "allowInsecureHttp: true" to accept it';
}
