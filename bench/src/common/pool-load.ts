/**
 * One autocannon run over a pool of single-use items (refresh tokens a rotation spends, DPoP proofs a
 * replay store remembers): each item is sent at most once, so the run ends when the pool does, or at
 * `seconds`, whichever comes first. autocannon ignores `duration` once `amount` is set, so the time bound
 * is a timer that stops it.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { unservedOf, type Unserved } from './unserved.js';

export interface PoolLoadOptions<T> {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly pool: readonly T[];
  /** The request that carries one item. */
  readonly carry: (request: autocannon.Request, item: T) => autocannon.Request;
  readonly seconds: number;
  readonly connections: number;
}

export interface PoolLoad {
  /** Responses, and seconds from the start to the last one. */
  readonly total: number;
  readonly seconds: number;
  /** Items sent (answered or cut off at the end): spent either way. */
  readonly sent: number;
  readonly p99: number;
  readonly unserved: Unserved;
}

export function loadPool<T>({ url, method, headers, pool, carry, seconds, connections }: PoolLoadOptions<T>): Promise<PoolLoad> {
  // autocannon takes an amount of 0 as no bound at all.
  if (pool.length === 0) return Promise.reject(new Error('loadPool: the pool is empty'));
  let sent = 0;
  const started = performance.now();
  let last = started;
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        amount: pool.length,
        requests: [
          {
            method,
            ...(headers && { headers }),
            setupRequest: (request) => carry(request, pool[sent++ % pool.length]!),
            onResponse: () => {
              last = performance.now();
            },
          },
        ],
      },
      // Timed here, to the last response: autocannon only notices the end of the pool on its one-second
      // tick, so its own averages and duration would be off by up to a second.
      (error, result) => {
        clearTimeout(timer);
        if (error) return reject(error);
        resolve({ total: result.requests.total, seconds: (last - started) / 1000, sent, p99: result.latency.p99, unserved: unservedOf(result) });
      },
    );
    timer = setTimeout(() => instance.stop(), seconds * 1000);
  });
}
