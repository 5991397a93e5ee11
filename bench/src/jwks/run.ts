/** The `jwks` phase: a cold burst of verifications, then a flood of unknown `kid`s, against a local JWKS server. */
import type { Alg } from '../common/algs.js';
import { claimsFor, makeToken, randomKid, type Fixture } from '../common/fixture.js';
import { JwksServer } from '../common/jwks-server.js';
import { sleep } from '../common/stats.js';
import type { Settings } from '../config.js';
import { JWKS_CONTENDERS } from './contenders.js';

export interface JwksResult {
  readonly id: string;
  readonly label: string;
  readonly cooldown: string | undefined;
  status: 'ok' | 'pending' | 'failed';
  note?: string;
  burst?: { requests: number; passed: number; fetches: number; ms: number };
  flood?: { kids: number; rejected: number; fetches: number; ms: number; windows: number; perWindow: number };
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * JWKS fetch counts, each library built fresh against its own path of a fresh JWKS server:
 * a cold burst of concurrent verifications (how many fetches before the first key arrives), and a
 * flood of tokens with random `kid`s after warm-up (how many fetches they cause per cooldown window).
 */
export async function runJwks(
  fixture: Fixture,
  tokensByAlg: Readonly<Record<Alg, readonly string[]>>,
  settings: Settings,
  log: (line: string) => void,
): Promise<JwksResult[]> {
  const keys = fixture.keys.RS256;
  const server = await new JwksServer(JSON.stringify(fixture.jwks)).start();
  const results: JwksResult[] = [];
  const valid = tokensByAlg.RS256.slice(0, settings.jwks.burst);
  const now = Math.floor(Date.now() / 1000);
  const randomKidTokens = Array.from({ length: settings.jwks.randomKids }, (_, i) => makeToken(keys, claimsFor(i, now), randomKid()));
  try {
    for (const contender of JWKS_CONTENDERS) {
      const { floodCooldownMs, floodSeconds } = settings.jwks;
      const result: JwksResult = { id: contender.id, label: contender.label, cooldown: contender.cooldown(floodCooldownMs), status: 'ok' };
      results.push(result);
      try {
        // Cold burst: every verification starts before any key is known.
        const burstTag = `jwks-burst-${contender.id}`;
        const verify = contender.create(server.url(burstTag), server.domain(burstTag));
        let started = performance.now();
        const outcomes = await bounded(Promise.allSettled(valid.map((token) => verify(token))), 30_000, 'the cold burst');
        result.burst = {
          requests: valid.length,
          passed: outcomes.filter((o) => o.status === 'fulfilled').length,
          fetches: server.fetches(burstTag),
          ms: performance.now() - started,
        };

        // Random kids: a fresh instance with a 1 s cooldown, warmed with one valid token, then one unknown
        // kid after another, spread evenly over several cooldown windows.
        const floodTag = `jwks-flood-${contender.id}`;
        const flooded = contender.create(server.url(floodTag), server.domain(floodTag), floodCooldownMs);
        await bounded(flooded(valid[0]!), 10_000, 'the warm-up verification');
        const before = server.fetches(floodTag);
        const spacingMs = (floodSeconds * 1000) / randomKidTokens.length;
        let rejected = 0;
        let sent = 0;
        started = performance.now();
        for (const token of randomKidTokens) {
          const due = started + sent * spacingMs - performance.now();
          if (due > 0) await sleep(due);
          if (performance.now() - started > floodSeconds * 2000) break;
          sent++;
          try {
            await bounded(flooded(token), 10_000, 'a verification');
          } catch {
            rejected++;
          }
        }
        const ms = performance.now() - started;
        const fetches = server.fetches(floodTag) - before;
        const windows = Math.max(1, Math.ceil(ms / floodCooldownMs));
        result.flood = { kids: sent, rejected, fetches, ms, windows, perWindow: fetches / windows };
        log(
          `jwks ${contender.id}: cold burst ${result.burst.fetches} fetch(es), ${result.burst.passed}/${result.burst.requests} passed; ${sent} random kids → ${fetches} fetch(es) in ${Math.round(ms)} ms`,
        );
      } catch (error) {
        result.status = 'failed';
        result.note = (error as Error).message;
        log(`jwks ${contender.id}: FAILED ${(error as Error).message}`);
      }
    }
  } finally {
    await server.stop();
  }
  return results;
}
