/**
 * The key ring's schedule as a pure function of its data and the clock: every instance given the same ring
 * agrees on the active key without talking to the others.
 *
 * A key is **next** before its `activateAt` (published, not signing), **active** from then until the next
 * key activates, **retiring** after that until its `retireAt` (published, verifying, not signing), then
 * **retired** (gone). `retireAt` defaults to the successor's activation plus the longest token lifetime plus
 * a margin, so no token the key signed can outlive it: the last token it signs, just before its successor
 * activates, expires `maxTokenLifetimeSeconds` later, and verifiers accept it for their clock tolerance
 * beyond that (the margin covers it, and clocks that disagree by a few seconds).
 */
import { refuseUnknownKeys } from '@latchkey/core/adapter';

/** The four states of a ring key. */
export type KeyState = 'next' | 'active' | 'retiring' | 'retired';

/** Default margin past the longest token lifetime before a retiring key is dropped: 60 seconds. */
export const DEFAULT_RETIRE_MARGIN_SECONDS = 60;

/** One key's times, as configuration gives them (ISO 8601 strings or `Date`s). */
export interface ScheduleInput {
  readonly activateAt: Date | string;
  readonly retireAt?: Date | string | undefined;
}

/** One key's times, resolved: epoch milliseconds; `retireAtMs` is `Infinity` for the newest key. */
export interface ScheduledKey {
  readonly activateAtMs: number;
  readonly retireAtMs: number;
}

/** What the schedule needs from the issuer's settings. */
export interface ScheduleSettings {
  /** The longest lifetime of any token the ring signs, leeway included, in seconds. */
  readonly maxTokenLifetimeSeconds: number;
  /** Added to it before a key may retire, in seconds. Default {@link DEFAULT_RETIRE_MARGIN_SECONDS} (60). */
  readonly retireMarginSeconds?: number;
}

// ISO 8601 with a zone: a time without one means a different instant on each instance's time zone.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const isSecondsAtLeastZero = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function instant(value: unknown, where: string): number {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.getTime();
  if (typeof value === 'string' && ISO_WITH_ZONE.test(value) && Number.isFinite(Date.parse(value))) return Date.parse(value);
  throw new TypeError(`createIssuer: "${where}" must be a Date or an ISO 8601 time with a zone (e.g. "2026-12-01T00:00:00Z")`);
}

/**
 * Resolves and checks the times of a ring's keys, given in activation order or not (the result is in
 * activation order, with each input's index). Throws a `TypeError` naming the entry when two keys activate
 * at the same instant, when a `retireAt` would drop a key while tokens it signed are still valid, or when
 * the newest key has a `retireAt` (it has no successor to hand over to).
 */
export function scheduleKeys(
  entries: readonly ScheduleInput[],
  settings: ScheduleSettings,
  where = 'keyRing',
): Array<ScheduledKey & { readonly index: number }> {
  if (typeof settings !== 'object' || settings === null) throw new TypeError('scheduleKeys: settings must be an object');
  refuseUnknownKeys(settings, ['maxTokenLifetimeSeconds', 'retireMarginSeconds'], 'scheduleKeys settings');
  // Without a lifetime the overlap would be NaN, and every key would retire the moment its successor activates.
  if (!isSecondsAtLeastZero(settings.maxTokenLifetimeSeconds)) throw new TypeError('scheduleKeys: "maxTokenLifetimeSeconds" must be a number of seconds ≥ 0');
  if (settings.retireMarginSeconds !== undefined && !isSecondsAtLeastZero(settings.retireMarginSeconds))
    throw new TypeError('scheduleKeys: "retireMarginSeconds" must be a number of seconds ≥ 0');
  const marginSeconds = settings.retireMarginSeconds ?? DEFAULT_RETIRE_MARGIN_SECONDS;
  const overlapMs = (settings.maxTokenLifetimeSeconds + marginSeconds) * 1000;
  const timed = entries.map((entry, index) => ({ index, activateAtMs: instant(entry.activateAt, `${where}.keys[${index}].activateAt`), entry }));
  timed.sort((a, b) => a.activateAtMs - b.activateAtMs);
  return timed.map(({ index, activateAtMs, entry }, position) => {
    const successor = timed[position + 1];
    if (successor !== undefined && successor.activateAtMs === activateAtMs) {
      throw new TypeError(
        `createIssuer: "${where}.keys[${index}]" and "${where}.keys[${successor.index}]" activate at the same instant; which one signs would be a coin toss`,
      );
    }
    const earliestRetireMs = successor === undefined ? Number.POSITIVE_INFINITY : successor.activateAtMs + overlapMs;
    if (entry.retireAt === undefined) return { index, activateAtMs, retireAtMs: earliestRetireMs };
    const retireAtMs = instant(entry.retireAt, `${where}.keys[${index}].retireAt`);
    if (successor === undefined)
      throw new TypeError(`createIssuer: "${where}.keys[${index}].retireAt" is set on the newest key, which has no successor to sign in its place`);
    if (retireAtMs < earliestRetireMs) {
      throw new TypeError(
        `createIssuer: "${where}.keys[${index}].retireAt" is too early: tokens it signs until its successor activates live until ${new Date(earliestRetireMs).toISOString()} ` +
          `(successor's activation + the longest token lifetime + ${marginSeconds} s margin)`,
      );
    }
    return { index, activateAtMs, retireAtMs };
  });
}

/** The state of a scheduled key at `nowMs`, given the activation of its successor (`undefined` for the newest key). */
export function keyStateAt(key: ScheduledKey, successorActivateAtMs: number | undefined, nowMs: number): KeyState {
  if (nowMs < key.activateAtMs) return 'next';
  if (successorActivateAtMs === undefined || nowMs < successorActivateAtMs) return 'active';
  return nowMs < key.retireAtMs ? 'retiring' : 'retired';
}

/** The states of every key of a schedule (in activation order) at `nowMs`. */
export function keyStatesAt(schedule: readonly ScheduledKey[], nowMs: number): KeyState[] {
  return schedule.map((key, position) => keyStateAt(key, schedule[position + 1]?.activateAtMs, nowMs));
}

/** The next instant after `nowMs` at which some key changes state (`Infinity` when none will). */
export function nextChangeAfter(schedule: readonly ScheduledKey[], nowMs: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (const key of schedule) {
    for (const at of [key.activateAtMs, key.retireAtMs]) if (at > nowMs && at < next) next = at;
  }
  return next;
}
