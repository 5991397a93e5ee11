/**
 * A bounded load on loopback: `concurrency` loops of `GET /api/me` through nginx until stopped or
 * `maxRequests` sent, each request with its own deadline. Records every outcome; asserts nothing itself.
 */
export interface LoadResult {
  readonly sent: number;
  /** Status code -> count. */
  readonly statuses: ReadonlyMap<number, number>;
  /** Requests that got no HTTP answer at all (connection error, deadline): their messages. */
  readonly errors: readonly string[];
  /** Slowest request, ms. */
  readonly maxMs: number;
  /** Instance name -> answers. */
  readonly instances: ReadonlyMap<string, number>;
}

export interface Load {
  stop(): Promise<LoadResult>;
}

export function startLoad(options: { url: string; access: string; concurrency: number; maxRequests: number; timeoutMs: number }): Load {
  let running = true;
  let sent = 0;
  let maxMs = 0;
  const statuses = new Map<number, number>();
  const instances = new Map<string, number>();
  const errors: string[] = [];
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

  async function loop(): Promise<void> {
    while (running && sent < options.maxRequests) {
      sent += 1;
      const started = performance.now();
      try {
        const response = await fetch(`${options.url}/api/me`, {
          headers: { authorization: `Bearer ${options.access}` },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        bump(statuses, response.status);
        const body = response.headers.get('content-type')?.startsWith('application/json')
          ? ((await response.json()) as { instance?: string })
          : (await response.text(), {});
        if ('instance' in body && typeof body.instance === 'string') bump(instances, body.instance);
      } catch (error) {
        errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      maxMs = Math.max(maxMs, performance.now() - started);
    }
  }

  const loops = Promise.all(Array.from({ length: options.concurrency }, loop));
  return {
    async stop() {
      running = false;
      await loops;
      return { sent, statuses, errors, maxMs, instances };
    },
  };
}

/** Waits while the load runs. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
