/** The bench's phases, in run order (`--only` picks among them). */
export const PHASES = ['verify', 'auth-cpu', 'http', 'jwks', 'memory', 'issuer', 'production', 'dpop', 'revocation', 'instructions'] as const;
export type Phase = (typeof PHASES)[number];

/** Run sizes. Every loop in the bench is bounded by a count and a time; these are those bounds. */
export interface Settings {
  readonly quick: boolean;
  readonly verify: {
    /** Distinct tokens per algorithm for the "distinct" workload. */
    readonly poolSize: number;
    readonly rounds: number;
    /** Time of one timed sample (one contender, one round). */
    readonly sampleMs: number;
    /** Most operations in one sample, whatever the time. */
    readonly sampleMaxOps: number;
    /** Untimed warm-up per contender before round 1 (JIT, caches, JWKS). */
    readonly warmupMs: number;
  };
  readonly http: {
    readonly rounds: number;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly connections: number;
    readonly poolSize: number;
    readonly algs: readonly ('RS256' | 'ES256')[];
  };
  readonly jwks: {
    readonly burst: number;
    readonly randomKids: number;
    /** The random-kid flood is spread evenly over this long... */
    readonly floodSeconds: number;
    /** ...with every library's unknown-kid cooldown set to this (where it has one). */
    readonly floodCooldownMs: number;
  };
  readonly memory: {
    readonly tokens: number;
    readonly maxMs: number;
  };
  readonly issuer: {
    readonly rounds: number;
    /** Upper bound of one timed refresh run (the pool usually runs out first). */
    readonly durationSeconds: number;
    readonly connections: number;
    /** Logins made per server: each refresh token is refreshed once (rotation spends it). */
    readonly poolSize: number;
    /** Login checks timed with the bundled scrypt store. */
    readonly loginSamples: number;
  };
  /** Auth CPU per request inside each framework's dispatch (src/auth-cpu). */
  readonly authCpu: {
    /** Requests per sample (one app, one round). */
    readonly requests: number;
    readonly rounds: number;
    /** The worker is stopped after this long. */
    readonly maxMs: number;
  };
  /** examples/production through nginx (src/production/run.ts). */
  readonly production: {
    readonly rounds: number;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly connections: number;
    readonly refreshConnections: number;
  };
}

export function settings(quick: boolean): Settings {
  return {
    quick,
    verify: {
      poolSize: 10_000,
      rounds: quick ? 5 : 7,
      sampleMs: quick ? 100 : 500,
      sampleMaxOps: 2_000_000,
      warmupMs: quick ? 250 : 700,
    },
    http: {
      rounds: quick ? 1 : 3,
      durationSeconds: quick ? 3 : 10,
      warmupSeconds: quick ? 1 : 2,
      connections: 50,
      poolSize: 1_000,
      algs: ['RS256', 'ES256'],
    },
    jwks: { burst: 200, randomKids: 500, floodSeconds: quick ? 5 : 10, floodCooldownMs: 1_000 },
    memory: { tokens: quick ? 100_000 : 1_000_000, maxMs: quick ? 60_000 : 300_000 },
    issuer: { rounds: quick ? 1 : 3, durationSeconds: quick ? 3 : 10, connections: 50, poolSize: quick ? 20_000 : 100_000, loginSamples: quick ? 3 : 15 },
    authCpu: { requests: 2_000, rounds: quick ? 9 : 21, maxMs: 300_000 },
    production: { rounds: quick ? 1 : 3, durationSeconds: quick ? 3 : 10, warmupSeconds: quick ? 1 : 2, connections: 50, refreshConnections: 10 },
  };
}
