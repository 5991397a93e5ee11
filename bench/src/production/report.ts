/** The `production` section of RESULTS.md. */
import { formatMs, formatRate } from '../common/stats.js';
import type { Settings } from '../config.js';
import type { ProductionResult } from './run.js';

const LABELS = {
  direct: '`GET /api/me`, one instance, direct',
  'nginx-two': '`GET /api/me` through nginx, two instances',
  'nginx-one': '`GET /api/me` through nginx, one instance',
  'refresh-nginx': '`POST /api/token/refresh/` through nginx (rotation, Redis AOF always)',
} as const;

/** The "Production stack" section of RESULTS.md. */
export function productionSection(result: ProductionResult | { error: string }, settings: Settings): string[] {
  if ('error' in result) return ['## Production stack', '', `**FAILED**: ${result.error.slice(0, 400)}`, ''];
  const s = settings.production;
  return [
    '## Production stack',
    '',
    `examples/production: Debian nginx (1 worker, upstream keep-alive) -> Latchkey instances (Express, EdDSA, Redis revocation check) -> redis-server (AOF, appendfsync always), all on this machine's loopback. autocannon, ${s.connections} connections (${s.refreshConnections} refresh chains), ${s.durationSeconds} s, median of ${s.rounds}. Everything shares the same cores as autocannon, so two instances can only help as far as a core is free.`,
    '',
    '| what | req/s | p99 | non-2xx |',
    '| --- | ---: | ---: | ---: |',
    ...result.cells.map((cell) => `| ${LABELS[cell.id]} | ${formatRate(cell.rps)} | ${formatMs(cell.p99Ms)} | ${cell.non2xx} |`),
    '',
    `Per-request cost of nginx (mean latency at one connection): ${result.latencyNginxMs.toFixed(2)} ms through nginx vs ${result.latencyDirectMs.toFixed(2)} ms direct: +${(result.latencyNginxMs - result.latencyDirectMs).toFixed(2)} ms.`,
    '',
  ];
}
