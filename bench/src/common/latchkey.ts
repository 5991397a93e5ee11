/**
 * Loads the BUILT Latchkey packages. Entries whose package (or export) does not exist yet are "pending":
 * the harness reports them as such instead of measuring a stand-in.
 */
import * as core from '@latchkey/core';
import type { KeySource } from '@latchkey/core';

export { core };

export type Loaded<T> = { ok: true; value: T } | { ok: false; pending: string };

/** Fails loudly if the bench would measure TypeScript sources instead of the packages' dist output. */
export function assertBuiltCore(): void {
  const resolved = import.meta.resolve('@latchkey/core');
  if (!resolved.includes('/dist/')) throw new Error(`@latchkey/core resolved to ${resolved}, not its build output`);
}

type RemoteJwks = (url: string, options?: Record<string, unknown>) => KeySource;

/** `remoteJwks` once the core exports it. */
export function remoteJwks(): Loaded<RemoteJwks> {
  const fn = (core as Record<string, unknown>).remoteJwks;
  return typeof fn === 'function' ? { ok: true, value: fn as RemoteJwks } : { ok: false, pending: 'pending: @latchkey/core does not export remoteJwks yet' };
}

export type AdapterName = 'express' | 'koa' | 'fastify';

/** An adapter package's exports, or why it cannot be used yet. */
export async function loadAdapter(name: AdapterName): Promise<Loaded<Record<string, unknown>>> {
  const specifier = `@latchkey/${name}`;
  try {
    const module = (await import(specifier)) as Record<string, unknown>;
    return { ok: true, value: module };
  } catch (error) {
    return { ok: false, pending: `pending: ${specifier} is not built yet (${(error as Error).message.split('\n')[0]})` };
  }
}
