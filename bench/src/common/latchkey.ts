/**
 * The BUILT Latchkey packages, imported with their types: a renamed or removed export fails
 * `pnpm --filter @latchkey/bench run typecheck` instead of showing up at run time.
 */
import * as core from '@latchkey/core';
import type { AlgKeys } from './algs.js';

export { core };

/** Fails loudly if the bench would measure TypeScript sources instead of the packages' dist output. */
export function assertBuiltCore(): void {
  const resolved = import.meta.resolve('@latchkey/core');
  if (!resolved.includes('/dist/')) throw new Error(`@latchkey/core resolved to ${resolved}, not its build output`);
}

/** A static Latchkey key source over one algorithm's bench key (its HMAC secret for HS256). */
export function staticKeySource(keys: AlgKeys): core.KeySource {
  return keys.alg === 'HS256'
    ? core.hmacSecrets([{ kid: keys.kid, secret: keys.verifyKey }])
    : core.staticKeys([{ key: keys.verifyKey, kid: keys.kid, alg: keys.alg }]);
}
