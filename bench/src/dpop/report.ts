/** The `dpop` section of RESULTS.md and its targets. */
import { formatMs, formatRate, formatRatio } from '../common/stats.js';
import type { Settings } from '../config.js';
import type { Verdict } from '../report.js';
import type { DpopCell } from './run.js';

const LABELS: Record<DpopCell['id'], string> = {
  floor: 'floor (node:http, 2 signature checks)',
  express: '@latchkey/express',
  koa: '@latchkey/koa',
  fastify: '@latchkey/fastify',
  'express-uncached': '@latchkey/express, tokenCache: false',
  'koa-uncached': '@latchkey/koa, tokenCache: false',
  'fastify-uncached': '@latchkey/fastify, tokenCache: false',
};

/** The target: DPoP through each adapter (default options) at ≥ 0.9× the floor. */
export function dpopTargets(cells: readonly DpopCell[] | undefined): Array<[string, Verdict, string]> {
  return (cells ?? [])
    .filter((cell) => cell.id === 'express' || cell.id === 'koa' || cell.id === 'fastify')
    .map((cell) => [
      `DPoP, ${cell.id}: ≥ 0.9× floor`,
      cell.status !== 'ok' ? 'missed' : cell.ratioFloor >= 0.9 ? 'met' : 'missed',
      cell.status === 'ok' ? formatRatio(cell.ratioFloor) : cell.status,
    ]);
}

/** The "DPoP" section of RESULTS.md. */
export function dpopSection(cells: readonly DpopCell[], settings: Settings): string[] {
  const h = settings.http;
  const rows = cells.map((cell) =>
    cell.status === 'ok'
      ? `| ${LABELS[cell.id]} | ${formatRate(cell.medianRps)} | ${formatMs(cell.medianP99)} | ${cell.id === 'floor' ? '—' : formatRatio(cell.ratioFloor)} |`
      : `| ${LABELS[cell.id]} | **FAILED** ${(cell.note ?? '').replace(/\|/g, '/').slice(0, 200)} | | |`,
  );
  return [
    '## DPoP',
    '',
    `\`GET /hello\` with \`Authorization: DPoP <token>\` (ES256, \`cnf.jkt\`) and a fresh ES256 proof per request, autocannon, ${h.connections} connections, ${h.durationSeconds} s after ${h.warmupSeconds} s of warm-up, median of ${h.rounds} round(s); a fresh server process per cell (memory replay store). Each server was checked to accept a fresh proof and refuse a missing one and (Latchkey) a replayed one. The floor checks both signatures with prebuilt keys and nothing else.`,
    '',
    '| server | req/s | p99 | ×floor |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
  ];
}
