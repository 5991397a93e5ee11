/**
 * The phase registry: one entry per phase, in run order. A phase reads the shared run context and writes its
 * part of the results; adding one is one import and one line here (its own files do the rest), plus its
 * name in config.ts.
 */
import type { Alg } from './common/algs.js';
import type { createFixture } from './common/fixture.js';
import type { JwksServer } from './common/jwks-server.js';
import type { Phase, Settings } from './config.js';
import type { Results } from './report.js';
import { runVerify } from './verify/run.js';
import { runHttp } from './http/run.js';
import { runJwks } from './jwks/run.js';
import { runMemory } from './memory/run.js';
import { runIssuer } from './issuer/run.js';
import { runInstructions } from './instructions/phase.js';
import { runRevocation } from './revocation/run.js';
import { runProduction } from './production/run.js';
import { runDpop } from './dpop/run.js';
import { runAuthCpu } from './auth-cpu/run.js';

export interface PhaseContext {
  readonly fixture: ReturnType<typeof createFixture>;
  readonly tokens: Record<Alg, string[]>;
  readonly jwks: JwksServer;
  readonly scratch: string;
  readonly settings: Settings;
  readonly log: (line: string) => void;
  readonly results: Results;
}

export const PHASE_RUNNERS: Record<Phase, (context: PhaseContext) => Promise<void>> = {
  verify: async (c) => void (c.results.verify = await runVerify(c.fixture, c.tokens, c.jwks, c.settings, c.log)),
  'auth-cpu': async (c) => void (c.results.authCpu = await runAuthCpu(c.settings, c.log)),
  http: async (c) => void (c.results.http = await runHttp(c.fixture, c.tokens, c.jwks, c.scratch, c.settings, c.log)),
  jwks: async (c) => void (c.results.jwks = await runJwks(c.fixture, c.tokens, c.settings, c.log)),
  memory: async (c) => void (c.results.memory = await runMemory(c.settings, c.log)),
  issuer: async (c) => void (c.results.issuer = await runIssuer(c.settings, c.scratch, c.log)),
  production: async (c) => void (c.results.production = await runProduction(c.settings, c.log).catch((error: unknown) => ({ error: String(error) }))),
  dpop: async (c) => void (c.results.dpop = await runDpop(c.settings, c.scratch, c.log)),
  revocation: async (c) => void (c.results.revocation = await runRevocation(c.fixture, c.tokens, c.settings.quick, c.scratch, c.log)),
  instructions: async (c) => void (c.results.instructions = await runInstructions(c.scratch, !c.settings.quick, c.log)),
};
