// Median and quartiles, in plain JavaScript so that the workers Node starts without tsx (auth-cpu,
// instructions) share them with the TypeScript phases (through stats.ts) instead of keeping copies.

/** Median of a list (mean of the two middle values for an even count; NaN for an empty list). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** First and third quartile of a non-empty list (nearest rank). */
export function quartiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[Math.floor(sorted.length / 4)], sorted[Math.floor((3 * sorted.length) / 4)]];
}
