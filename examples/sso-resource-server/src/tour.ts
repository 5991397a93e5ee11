import type { MockIdp } from '@latchkey/testing';

/** One request of the tour, with the status it should get. */
export interface TourCheck {
  label: string;
  status: number;
  expected: number;
  wwwAuthenticate: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Shows a resource server following an identity provider's key rotation. The resource server must trust
 * `idp` through discovery with the given `cooldownMs` (the least time between refetches on an unknown `kid`).
 */
export async function rotationTour(
  idp: MockIdp,
  apiUrl: string,
  { cooldownMs, log = () => {} }: { cooldownMs: number; log?: (line: string) => void },
): Promise<TourCheck[]> {
  const checks: TourCheck[] = [];
  async function check(label: string, token: string, expected: number): Promise<void> {
    const res = await fetch(`${apiUrl}/profile`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    const result = { label, status: res.status, expected, wwwAuthenticate: res.headers.get('www-authenticate') };
    checks.push(result);
    const mark = result.status === expected ? '✓' : `✗ expected ${expected}`;
    log(`   ${label.padEnd(50)} → ${res.status}${result.wwwAuthenticate ? `  WWW-Authenticate: ${result.wwwAuthenticate}` : ''}  ${mark}`);
  }
  const kid = (key: { kid: string }): string => key.kid.slice(0, 8);

  const first = idp.currentKey;
  log(`1. ${idp.issuer} signs with key ${kid(first)}`);
  const oldToken = await idp.sign({ sub: 'alice', scope: 'read:reports' });
  await check(`token signed with ${kid(first)}`, oldToken, 200);

  // A new kid is fetched on first use only when the last fetch is older than the cooldown.
  await sleep(cooldownMs + 100);
  const second = await idp.rotate();
  log(`2. the IdP rotates: publishes ${kid(second)} and signs with it (${kid(first)} stays published)`);
  const newToken = await idp.sign({ sub: 'alice', scope: 'read:reports' });
  await check(`token signed with ${kid(second)} (unknown kid → refetch)`, newToken, 200);
  await check(`token signed with ${kid(first)} (still published)`, oldToken, 200);

  await sleep(cooldownMs + 100);
  const third = await idp.rotate({ keepPrevious: false });
  log(`3. the IdP rotates again and withdraws the old keys: only ${kid(third)} is published`);
  await check(`token signed with ${kid(third)} (refetch)`, await idp.sign({ sub: 'alice', scope: 'read:reports' }), 200);
  await check(`token signed with ${kid(first)} (key withdrawn)`, oldToken, 401);
  await check(`token signed with ${kid(second)} (key withdrawn)`, newToken, 401);
  return checks;
}
