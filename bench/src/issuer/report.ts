import { formatMs, formatRate, formatRatio } from '../common/stats.js';
import type { Settings } from '../config.js';
import type { Verdict } from '../report.js';
import type { IssuerResult } from './run.js';

const LABELS = {
  floor: 'floor (node:http, 1 verify + 2 signs)',
  express: '@latchkey/issuer/express',
  koa: '@latchkey/issuer/koa',
  fastify: '@latchkey/issuer/fastify',
} as const;

/** The target: refresh through each mount at ≥ 0.8× the floor. */
export function issuerTargets(result: IssuerResult | undefined): Array<[string, Verdict, string]> {
  if (result === undefined) return [];
  return result.refresh
    .filter((cell) => cell.id !== 'floor')
    .map((cell) => [
      `issuer refresh, ${cell.id}: ≥ 0.8× floor`,
      cell.status !== 'ok' ? 'missed' : cell.ratioFloor >= 0.8 ? 'met' : 'missed',
      cell.status === 'ok' ? formatRatio(cell.ratioFloor) : cell.status,
    ]);
}

/** The "Issuer" section of RESULTS.md. */
export function issuerSection(result: IssuerResult, settings: Settings): string[] {
  const s = settings.issuer;
  const rows = result.refresh.map((cell) =>
    cell.status === 'ok'
      ? `| ${LABELS[cell.id]} | ${formatRate(cell.medianRps)} | ${formatMs(cell.medianP99)} | ${cell.id === 'floor' ? '—' : formatRatio(cell.ratioFloor)} |`
      : `| ${LABELS[cell.id]} | **FAILED** ${(cell.note ?? '').replace(/\|/g, '/').slice(0, 200)} | | |`,
  );
  const login =
    'error' in result.loginMs
      ? `**FAILED**: ${result.loginMs.error}`
      : `Login check with the bundled user store (scrypt N 2^17, r 8, p 1), median of ${result.loginMs.samples}: ${result.loginMs.knownUser.toFixed(0)} ms for a known user, ${result.loginMs.unknownUser.toFixed(0)} ms for an unknown one (the dummy hash).`;
  return [
    '## Issuer',
    '',
    `\`POST /api/token/refresh/\` with rotation (ES256), autocannon, ${s.connections} connections, each of ${s.poolSize.toLocaleString('en-US')} refresh tokens (one login each) refreshed once (a tenth as warm-up), at most ${s.durationSeconds} s, median of ${s.rounds} round(s); server in its own process. Issuer rows use the memory store.`,
    '',
    '| server | refresh req/s | p99 | ×floor |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    login,
    '',
  ];
}
