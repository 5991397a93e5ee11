/**
 * Graceful shutdown on SIGTERM (what systemd, Kubernetes and `docker stop` send): stop accepting, let
 * in-flight requests finish, then close the rest and exit 0. A second signal or the deadline forces it.
 */
import type { Server } from 'node:http';

export interface ShutdownOptions {
  /** Called first: readiness turns 503 and answers carry `Connection: close`. */
  beginDrain(): void;
  /** Closes what the requests used (Redis connections, subscriptions), after the last one finished. */
  closeResources(): Promise<void>;
  /** Longest wait for in-flight requests, in ms; then their sockets are cut. Closing resources gets as long again, at most. */
  deadlineMs: number;
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
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive socket between two requests is closed now; one busy with a request is closed when its
    // answer (sent with Connection: close) has gone. Sweep, since sockets turn idle one by one.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.closeIdleConnections();
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), options.deadlineMs).unref());
    void Promise.race([closed, deadline])
      .then(async (outcome) => {
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
