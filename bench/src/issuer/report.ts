import { formatMs, formatRate, formatRatio } from '../common/stats.js';
import type { Settings } from '../config.js';
import type { Verdict } from '../report.js';
import { PAIR_SLICES, type IssuerContender, type IssuerResult } from './run.js';

/** Row labels, in table order. */
const LABELS: Record<IssuerContender, string> = {
  floor: 'floor (node:http, 1 verify + 2 signs)',
  express: '@latchkey/issuer/express',
  'express-redis': '@latchkey/issuer/express',
  koa: '@latchkey/issuer/koa',
  'koa-redis': '@latchkey/issuer/koa',
  fastify: '@latchkey/issuer/fastify',
  'fastify-redis': '@latchkey/issuer/fastify',
};

/** Issue 12's store target, below which Redis costs too much of a refresh. */
const REDIS_TARGET = 0.7;

/** The issue's target: refresh through each mount, memory store, at ≥ 0.8× the floor. */
export function issuerTargets(result: IssuerResult | undefined): Array<[string, Verdict, string]> {
  if (result === undefined) return [];
  return result.refresh
    .filter((cell) => cell.id !== 'floor' && !cell.id.endsWith('-redis'))
    .map((cell) => [
      `issuer refresh, ${cell.id}: ≥ 0.8× floor`,
      cell.status !== 'ok' ? 'missed' : cell.ratioFloor >= 0.8 ? 'met' : 'missed',
      cell.status === 'ok' ? formatRatio(cell.ratioFloor) : cell.status,
    ]);
}

/** Issue 12: per framework, refresh req/s with `redisStore` ≥ 0.7× the memory store (median of per-round ratios). */
export function redisStoreTargets(result: IssuerResult | undefined): Array<[string, Verdict, string]> {
  if (result === undefined) return [['issuer refresh req/s: Redis store ≥ 0.7× memory store (issue 12)', 'pending', 'the issuer phase did not finish']];
  return result.redisVsMemory.map((ratio) => [
    `issuer refresh req/s ${ratio.framework}: Redis store ≥ ${REDIS_TARGET}× memory store`,
    ratio.status === 'pending' ? 'pending' : ratio.status === 'ok' && ratio.median >= REDIS_TARGET ? 'met' : 'missed',
    ratio.status === 'ok'
      ? `${formatRatio(ratio.median)} (median of ${ratio.perRound.length} per-round ratio(s): ${ratio.perRound.map((value) => value.toFixed(2)).join(', ')}; ${ratio.scriptsPerRefresh.map((value) => value.toFixed(2)).join(', ')} script calls per refresh)`
      : `${ratio.status}: ${(ratio.note ?? '').replace(/\|/g, '/').slice(0, 200)}`,
  ]);
}

/** The "Issuer" section of RESULTS.md. */
export function issuerSection(result: IssuerResult, settings: Settings): string[] {
  const s = settings.issuer;
  const vsMemory = new Map(result.redisVsMemory.map((ratio) => [`${ratio.framework}-redis`, ratio]));
  // Each framework's memory row, then its Redis row.
  const order = (id: IssuerContender): number => Object.keys(LABELS).indexOf(id);
  const rows = [...result.refresh]
    .sort((a, b) => order(a.id) - order(b.id))
    .map((cell) => {
      const store = cell.id === 'floor' ? '—' : cell.id.endsWith('-redis') ? 'redisStore' : 'memory';
      if (cell.status !== 'ok') return `| ${LABELS[cell.id]} | ${store} | **FAILED** ${(cell.note ?? '').replace(/\|/g, '/').slice(0, 200)} | | | |`;
      const ratio = vsMemory.get(cell.id);
      const memoryRatio = ratio === undefined ? '—' : ratio.status === 'ok' ? formatRatio(ratio.median) : ratio.status;
      return `| ${LABELS[cell.id]} | ${store} | ${formatRate(cell.medianRps)} | ${formatMs(cell.medianP99)} | ${cell.id === 'floor' ? '—' : formatRatio(cell.ratioFloor)} | ${memoryRatio} |`;
    });
  const redis =
    'note' in result.redis
      ? `No Redis rows: ${result.redis.note}.`
      : `Redis rows: \`redisStore\` on one ioredis client (offline queue off) to a redis-server started by the bench on 127.0.0.1 (${result.redis.persistence === 'aof-everysec' ? 'AOF `appendfsync everysec`, no RDB snapshots, no automatic AOF rewrite' : 'no persistence'}), ${result.redis.core === 'unpinned' ? 'unpinned (no taskset)' : `pinned to core ${result.redis.core} (the load generator's)`}, flushed before each Redis server. Per round and framework the memory and Redis servers are up together and take turns, ${PAIR_SLICES} each (A B B A …, each on an equal share of its pool), each one's req/s over its slices; ×memory is the median of per-round ratios to the same framework's memory-store row.`;
  const login =
    'error' in result.loginMs
      ? `**FAILED**: ${result.loginMs.error}`
      : `Login check with the bundled user store (scrypt N 2^17, r 8, p 1), median of ${result.loginMs.samples}: ${result.loginMs.knownUser.toFixed(0)} ms for a known user, ${result.loginMs.unknownUser.toFixed(0)} ms for an unknown one (the dummy hash).`;
  return [
    '## Issuer',
    '',
    `\`POST /api/token/refresh/\` with rotation (ES256), autocannon, ${s.connections} connections, each of ${s.poolSize.toLocaleString('en-US')} refresh tokens (one login each, 50 per user) refreshed once (a tenth as warm-up), the other nine tenths timed, median of ${s.rounds} round(s); server in its own process. ${redis}`,
    '',
    '| server | store | refresh req/s | p99 | ×floor | ×memory |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    login,
    '',
  ];
}
