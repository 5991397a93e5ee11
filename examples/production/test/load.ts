/**
 * A bounded load on loopback: `concurrency` loops of requests (`GET /api/me` unless told) through nginx until stopped or
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

/** One kind of request a loop sends. */
export interface LoadRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
}

const ME: LoadRoute = { method: 'GET', path: '/api/me' };

/** Loop `i` sends `routes[i % routes.length]`, `GET /api/me` unless told. */
export function startLoad(options: {
  url: string;
  access: string;
  concurrency: number;
  maxRequests: number;
  timeoutMs: number;
  routes?: readonly LoadRoute[];
}): Load {
  const routes = options.routes ?? [ME];
  let running = true;
  let sent = 0;
  let maxMs = 0;
  const statuses = new Map<number, number>();
  const instances = new Map<string, number>();
  const errors: string[] = [];
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

  async function loop(route: LoadRoute): Promise<void> {
    while (running && sent < options.maxRequests) {
      sent += 1;
      const started = performance.now();
      try {
        const response = await fetch(`${options.url}${route.path}`, {
          method: route.method,
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

  const loops = Promise.all(Array.from({ length: options.concurrency }, (_, index) => loop(routes[index % routes.length]!)));
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
