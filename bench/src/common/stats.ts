import { median } from './order-statistics.mjs';

export { median, quartiles } from './order-statistics.mjs';

/** Spread of the rounds around the median, as ± half the min–max range in percent of the median. */
export function spreadPercent(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return ((Math.max(...values) - Math.min(...values)) / 2 / m) * 100;
}

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(2)}M`;
  if (value >= 100_000) return `${Math.round(value / 1000)}k`;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  return Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—';
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? `${value} ms` : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
