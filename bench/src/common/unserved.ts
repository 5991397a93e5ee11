/**
 * The requests of a load run that were not served, as autocannon counts them. A cell that fails says which
 * kind: a peer too slow to answer within the client's timeout is a different finding from one that
 * answers 500 or drops connections.
 */
export interface Unserved {
  /** Answered with a status outside 2xx. */
  readonly non2xx: number;
  /** Connection errors (refused, reset). */
  readonly errors: number;
  /** No answer within autocannon's timeout. */
  readonly timeouts: number;
}

/** autocannon's default per-request timeout (its `timeout` option), which no load run here changes. */
export const LOAD_TIMEOUT_SECONDS = 10;

/** The three counts out of an autocannon result (which has them under these names, among many others). */
export function unservedOf(result: Unserved): Unserved {
  return { non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts };
}

export function unservedCount(unserved: Unserved): number {
  return unserved.non2xx + unserved.errors + unserved.timeouts;
}

/** E.g. "20 requests failed under load (timed out after 10 s: 20)"; the kinds with a count only. */
export function describeUnserved(unserved: Unserved, noun = 'requests'): string {
  const kinds = [
    unserved.timeouts > 0 ? `timed out after ${LOAD_TIMEOUT_SECONDS} s: ${unserved.timeouts}` : undefined,
    unserved.non2xx > 0 ? `answered outside 2xx: ${unserved.non2xx}` : undefined,
    unserved.errors > 0 ? `connection errors: ${unserved.errors}` : undefined,
  ].filter((kind) => kind !== undefined);
  return `${unservedCount(unserved)} ${noun} failed under load (${kinds.join(', ')})`;
}
