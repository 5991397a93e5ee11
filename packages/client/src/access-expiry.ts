/**
 * Reads `exp` from an access token WITHOUT verifying it: the client only uses it to refresh ahead of
 * time. Verifying is the resource server's job (the client holds no key and must not be trusted anyway).
 * Returns milliseconds since the epoch, or undefined for a token it cannot read (then: refresh on 401).
 */
export function accessExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined || payload.length > 8192) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)));
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
