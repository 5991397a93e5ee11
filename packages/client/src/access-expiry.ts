/**
 * Reads `exp` (and `iat`) from an access token WITHOUT verifying them: the client only uses them to
 * refresh ahead of time. Verifying is the resource server's job (the client holds no key and must not be
 * trusted anyway). Milliseconds since the epoch; `undefined` for a token it cannot read (then: refresh on 401).
 */
export function accessTimes(token: string): { expMs: number; iatMs: number | undefined } | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined || payload.length > 8192) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)));
    const { exp, iat } = (claims ?? {}) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
    return { expMs: exp * 1000, iatMs: typeof iat === 'number' && Number.isFinite(iat) && iat < exp ? iat * 1000 : undefined };
  } catch {
    return undefined;
  }
}
