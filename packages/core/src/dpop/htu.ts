/**
 * The `htu` comparison of RFC 9449 §4.3 step 9: both sides without query and fragment, compared after
 * RFC 3986 §6.2.2/§6.2.3 normalisation (case of scheme and host, default port, percent-encodings, dot
 * segments). WHATWG `URL` performs most of them; the percent-encodings are done here.
 */

/** Returns the normalised `scheme://authority/path` of `value`, or `undefined` when it is not an absolute http(s) URL. */
export function normaliseHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  // Percent-encodings (RFC 3986 §6.2.2.1-2): %2f and %2F are the same octet, and an escaped unreserved
  // character is the character itself (%7E is ~). `URL` has already resolved dot segments, %2E ones too.
  const path = url.pathname.replace(/%[0-9a-f]{2}/gi, normaliseEscape);
  return `${url.protocol}//${url.host}${path}`;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function normaliseEscape(escape: string): string {
  const character = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
  return UNRESERVED.test(character) ? character : escape.toUpperCase();
}

/**
 * The URL a proof must name, built from the configured public origin and the request's path — never from
 * the client's `Host` or `X-Forwarded-*` headers, so a proof made for one endpoint cannot be replayed on
 * another by forging them.
 */
export function expectedHtu(publicOrigin: string, requestPath: string): string | undefined {
  const queryAt = requestPath.search(/[?#]/);
  const path = queryAt === -1 ? requestPath : requestPath.slice(0, queryAt);
  if (!path.startsWith('/')) return undefined;
  return normaliseHtu(`${publicOrigin}${path}`);
}
