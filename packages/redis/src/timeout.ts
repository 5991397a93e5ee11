/** Deadlines on Redis calls, and the mapping of Redis failures to the store errors. */
import { StoreCapacityError, StoreUnavailableError } from '@latchkey/issuer';

/**
 * Errors Redis itself answered (a script bug, a wrong type): real failures, not unavailability. Redis
 * refusing for a while is unavailability: loading, a cluster or replica failing over, a read-only replica,
 * a script running elsewhere (BUSY), too few replicas for a write (NOREPLICAS), a failed snapshot (MISCONF).
 */
const isReplyError = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ReplyError' && !/^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS|MISCONF)/.test(error.message);

/**
 * Runs one Redis call with a deadline, so no request hangs on a dead or partitioned Redis (a client with
 * an offline queue would otherwise wait for the reconnect). Connection errors and the deadline become
 * `StoreUnavailableError`. A call that timed out may still be applied later by the server; it is applied
 * whole or not at all (one script), never half.
 */
export async function withTimeout<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    // maxmemory reached with noeviction: a revocation cannot be written. Refused loudly, never dropped.
    if (error instanceof Error && error.message.startsWith('OOM')) throw new StoreCapacityError(`redis is out of memory: ${error.message}`);
    if (isReplyError(error)) throw error;
    throw new StoreUnavailableError('redis is unavailable', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
