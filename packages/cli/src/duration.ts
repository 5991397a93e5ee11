/** Durations on the command line: `3600`, `90s`, `15m`, `1h`, `7d` (seconds when no unit is given). */
import { UsageError } from './output.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses a duration flag into whole seconds; a usage error names the flag. */
export function durationSeconds(flag: string, value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (match === null) throw new UsageError(`${flag} must be a duration such as 300, 90s, 15m, 1h or 7d`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
}
