/**
 * Graceful shutdown on SIGTERM (what systemd, Kubernetes and `docker stop` send): stop accepting, let
 * in-flight requests finish, then close the rest and exit 0. A second signal or the deadline forces it.
 */
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

export interface ShutdownOptions {
  /** Called first: readiness turns 503 and answers carry `Connection: close`. */
  beginDrain(): void;
  /** Closes what the requests used (Redis connections, subscriptions), after the last one finished. */
  closeResources(): Promise<void>;
  /** Longest wait for in-flight requests, in ms; then their sockets are cut. Closing resources gets as long again, at most. */
  deadlineMs: number;
  /**
   * How long idle keep-alive sockets are left for the proxy to close itself, in ms: longer than its idle
   * timeout towards upstreams (nginx's upstream `keepalive_timeout`). Then the ones left (other clients')
   * are closed.
   */
  idleGraceMs: number;
  log(message: string): void;
}

export function onSigterm(server: Server, options: ShutdownOptions): void {
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) {
      // The second signal: no more waiting, for requests or for Redis.
      options.log('SIGTERM again: stopping now');
      server.closeAllConnections();
      process.exit(0);
    }
    stopping = true;
    options.log('SIGTERM: draining');
    options.beginDrain();
    // Stops listening at once: new connections are refused, which nginx answers by trying the next upstream.
    // Not http.Server#close(), which also closes every idle keep-alive socket at once: nginx may be writing
    // a request onto one of them in that instant, and a POST that meets a reset is not retried (it may
    // have had an effect), so its client got a 502. Idle sockets are left to nginx: it closes them itself
    // after its upstream keepalive_timeout, or sends one more request, answered with Connection: close.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    // Sockets of clients that keep theirs longer than nginx does are closed after the grace, as they turn idle.
    let sweep: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      server.closeIdleConnections();
      sweep = setInterval(() => server.closeIdleConnections(), 50);
    }, options.idleGraceMs);
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), options.deadlineMs).unref());
    void Promise.race([closed, deadline])
      .then(async (outcome) => {
        clearTimeout(grace);
        clearInterval(sweep);
        if (outcome === 'deadline') {
          options.log('deadline reached: closing the remaining connections');
          server.closeAllConnections();
        }
        // Bounded too: a Redis that is down would hold a polite QUIT until it came back, maybe never.
        const resources = await Promise.race([
          options.closeResources().then(() => 'closed' as const),
          new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), options.deadlineMs).unref()),
        ]);
        options.log(resources === 'closed' ? 'stopped' : 'stopped (resources not closed in time)');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  });
}
