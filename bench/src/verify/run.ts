import { ALGS, type Alg } from '../common/algs.js';
import { tamperedTokens, type Fixture } from '../common/fixture.js';
import type { JwksServer } from '../common/jwks-server.js';
import { median, quartiles, spreadPercent } from '../common/stats.js';
import type { Settings } from '../config.js';
import { CONTENDERS } from './index.js';
import type { Contender, VerifyFn } from './types.js';

export type Workload = 'repeated' | 'distinct';
export type CellStatus = 'ok' | 'n/a' | 'pending' | 'failed';

export interface VerifyCell {
  readonly alg: Alg;
  readonly workload: Workload;
  readonly id: string;
  readonly label: string;
  status: CellStatus;
  note?: string;
  /** ops/s per round, and the same round's ratio to the floor. */
  readonly rates: number[];
  readonly ratios: number[];
  median: number;
  ratio: number;
  spread: number;
  /**
   * Latchkey's distinct-token cell only: its cost above the floor per token, in µs, from a bracket timed at
   * the end of each round (floor, Latchkey, floor, back to back); the median over rounds and its quartiles.
   */
  costsUs?: number[];
  costUs?: number;
  costQuartilesUs?: [number, number];
}

/** The contender whose cost above the floor the bracket times (the verifier with the cache off). */
const BRACKETED = 'latchkey';

interface Live {
  readonly cell: VerifyCell;
  readonly fn: VerifyFn;
  readonly async: boolean;
  position: number;
  batch: number;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown>)?.then === 'function';

/** Valid token passes, both tampered tokens fail. Returns whether the contender is async, or throws why it is wrong. */
async function check(fn: VerifyFn, valid: string): Promise<boolean> {
  const first = fn(valid, -1);
  const async = isThenable(first);
  const result = await first;
  if (result === false) throw new Error('a valid token was rejected');
  for (const [index, bad] of tamperedTokens(valid).entries()) {
    let accepted = false;
    try {
      accepted = (await fn(bad, -1)) !== false;
    } catch {
      accepted = false;
    }
    if (accepted) throw new Error(`a tampered token (${index === 0 ? 'payload' : 'signature'}) was accepted`);
  }
  return async;
}

/** One timed sample: ops/s over `sampleMs` (or `sampleMaxOps`), cycling the workload from where it stopped. */
async function sample(live: Live, tokens: readonly string[], budgetMs: number, maxOps: number): Promise<number> {
  const { fn, batch } = live;
  const n = tokens.length;
  let j = live.position;
  let ops = 0;
  let passed = 0;
  let elapsed = 0;
  const start = performance.now();
  do {
    if (live.async) {
      for (let k = 0; k < batch; k++) {
        await fn(tokens[j]!, j);
        if (++j === n) j = 0;
      }
      passed += batch;
    } else {
      for (let k = 0; k < batch; k++) {
        if (fn(tokens[j]!, j) !== false) passed++;
        if (++j === n) j = 0;
      }
    }
    ops += batch;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs && ops < maxOps);
  live.position = j;
  if (passed !== ops) throw new Error(`${ops - passed} of ${ops} valid tokens were rejected while timed`);
  return (ops / elapsed) * 1000;
}

function cellOf(alg: Alg, workload: Workload, contender: Contender): VerifyCell {
  return { alg, workload, id: contender.id, label: contender.label, status: 'ok', rates: [], ratios: [], median: NaN, ratio: NaN, spread: 0 };
}

async function prepare(
  contender: Contender,
  alg: Alg,
  workload: Workload,
  tokens: readonly string[],
  fixture: Fixture,
  jwks: JwksServer,
  settings: Settings,
): Promise<VerifyCell | Live> {
  const cell = cellOf(alg, workload, contender);
  const reason = contender.unsupported?.(alg);
  if (reason !== undefined) return { ...cell, status: 'n/a', note: reason };
  try {
    const made = await contender.create({ alg, keys: fixture.keys[alg], fixture, jwks, tag: `${contender.id}-${alg}-${workload}`, tokens });
    if (typeof made !== 'function') return { ...cell, status: 'pending', note: made.pending };
    const async = await check(made, tokens[0]!);
    const live: Live = { cell, fn: made, async, position: 0, batch: 8 };
    // A cache is timed in its steady state: one untimed pass over the whole pool first (bounded in time).
    if (contender.cached === true && tokens.length > 1) await sample(live, tokens, 60_000, tokens.length);
    // Warm-up (untimed): JIT, caches, lazy key imports. Also sizes the batch to ~2 ms between clock reads.
    const rate = await sample(live, tokens, settings.verify.warmupMs, settings.verify.sampleMaxOps);
    live.batch = Math.max(1, Math.min(4096, Math.round(rate / 500)));
    return live;
  } catch (error) {
    return { ...cell, status: 'failed', note: (error as Error).message };
  }
}

/**
 * In-process verification: for each algorithm and workload, every contender is built and checked, then
 * timed in interleaved rounds (floor first in every round, the others in a rotating order); each result
 * is the median over rounds, and the ratio the median of per-round ratios to that round's floor.
 */
export async function runVerify(
  fixture: Fixture,
  tokensByAlg: Readonly<Record<Alg, readonly string[]>>,
  jwks: JwksServer,
  settings: Settings,
  log: (line: string) => void,
): Promise<VerifyCell[]> {
  const cells: VerifyCell[] = [];
  for (const alg of ALGS) {
    for (const workload of ['repeated', 'distinct'] as const) {
      const all = tokensByAlg[alg];
      const tokens = workload === 'repeated' ? all.slice(0, 1) : all.slice(0, settings.verify.poolSize);
      const prepared = [];
      for (const contender of CONTENDERS) prepared.push(await prepare(contender, alg, workload, tokens, fixture, jwks, settings));
      const live = prepared.filter((item): item is Live => 'fn' in item);
      const [floorLive, ...others] = live;
      if (floorLive === undefined || floorLive.cell.id !== 'floor') throw new Error(`the floor failed for ${alg}: ${(prepared[0] as VerifyCell).note}`);
      for (let round = 0; round < settings.verify.rounds; round++) {
        const floorRate = await sample(floorLive, tokens, settings.verify.sampleMs, settings.verify.sampleMaxOps);
        floorLive.cell.rates.push(floorRate);
        floorLive.cell.ratios.push(1);
        const order = others.map((_, i) => others[(i + round) % others.length]!);
        for (const entry of order) {
          if (entry.cell.status !== 'ok') continue;
          try {
            const rate = await sample(entry, tokens, settings.verify.sampleMs, settings.verify.sampleMaxOps);
            entry.cell.rates.push(rate);
            entry.cell.ratios.push(rate / floorRate);
          } catch (error) {
            entry.cell.status = 'failed';
            entry.cell.note = (error as Error).message;
          }
        }
        // The cost above the floor is a few per cent of a signature check, less than the drift between a
        // round's first sample and its last; so it is also timed in a bracket, Latchkey between two floor
        // samples, and taken per round against their mean time per token.
        const bracketed = workload === 'distinct' ? others.find((entry) => entry.cell.id === BRACKETED && entry.cell.status === 'ok') : undefined;
        if (bracketed !== undefined) {
          const before = await sample(floorLive, tokens, settings.verify.sampleMs, settings.verify.sampleMaxOps);
          const rate = await sample(bracketed, tokens, settings.verify.sampleMs, settings.verify.sampleMaxOps);
          const after = await sample(floorLive, tokens, settings.verify.sampleMs, settings.verify.sampleMaxOps);
          (bracketed.cell.costsUs ??= []).push(1e6 / rate - (1e6 / before + 1e6 / after) / 2);
        }
      }
      for (const item of prepared) {
        const cell = 'fn' in item ? item.cell : item;
        if (cell.status === 'ok') {
          cell.median = median(cell.rates);
          cell.ratio = median(cell.ratios);
          cell.spread = spreadPercent(cell.rates);
          if (cell.costsUs !== undefined) {
            cell.costUs = median(cell.costsUs);
            cell.costQuartilesUs = quartiles(cell.costsUs);
          }
        }
        cells.push(cell);
      }
      const floorCell = floorLive.cell;
      log(
        `verify ${alg} ${workload}: floor ${Math.round(floorCell.median)} ops/s; ` +
          prepared
            .map((item) => ('fn' in item ? item.cell : item))
            .filter((c) => c.id !== 'floor')
            .map((c) => `${c.id} ${c.status === 'ok' ? c.ratio.toFixed(2) + '×' : c.status}`)
            .join(', '),
      );
    }
  }
  return cells;
}
