import { vi } from 'vitest';

/**
 * Fakes the two clocks Latchkey reads, `Date` (claims, token expiry) and `performance.now()` (JWKS
 * timers), and nothing else: servers, sockets and `AbortSignal.timeout` keep running on real time.
 */
export function fakeClocks(at = '2026-03-01T00:00:00Z'): void {
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  vi.setSystemTime(new Date(at));
}

/** Moves both fake clocks forward (no timer is faked, so nothing fires). */
export function advance(ms: number): void {
  vi.advanceTimersByTime(ms);
}

/** Real elapsed milliseconds, whatever the fake clocks say. */
export function realNow(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}
