/**
 * The logger hook: turns {@link LatchkeyEvent}s into log lines for pino, Fastify's `request.log` or any
 * logger with pino's `(object, message)` methods. Nothing logs unless you pass this as `onEvent`.
 */
import type { EventHandler, LatchkeyEvent } from './events.js';
import { refuseUnknownKeys } from './internal/strict-options.js';

/** A log level Latchkey uses. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What Latchkey needs from a logger: pino's `(object, message)` signature (Fastify's `request.log` is pino). */
export type LoggerLike = Record<LogLevel, (object: Record<string, unknown>, message: string) => void>;

/**
 * The level of each event. Refusals are `info`: a client sending a bad token is not a server fault, and
 * they can be frequent. Failing key fetches are `warn` while stale keys still serve, `error` once not.
 */
export function levelOf(event: LatchkeyEvent): LogLevel {
  switch (event.type) {
    case 'token-verified':
      return 'debug';
    case 'keys-fetched':
    case 'discovery-fetched':
    case 'refused':
      return 'info';
    case 'keys-fetch-failed':
      return event.staleKeysServed ? 'warn' : 'error';
    case 'key-skipped':
    case 'keys-truncated':
    case 'unknown-kid':
      return 'warn';
  }
}

/** The log object of an event: its fields under `latchkey`, the error reduced to its name and message. */
export function logObjectOf(event: LatchkeyEvent): Record<string, unknown> {
  if (event.type === 'keys-fetch-failed') {
    const { error, ...rest } = event;
    return { latchkey: { ...rest, error: { name: error.name, message: error.message } } };
  }
  return { latchkey: event };
}

function messageOf(event: LatchkeyEvent): string {
  if (event.type === 'refused') {
    const where = event.request === undefined ? '' : ` ${event.request.method} ${event.request.path}`;
    return `latchkey: refused${where} (${event.status} ${event.code})`;
  }
  return `latchkey: ${event.type}`;
}

/** Logs one event through `logger` at its level (for per-request loggers such as Fastify's `request.log`). */
export function logEvent(logger: LoggerLike, event: LatchkeyEvent): void {
  logger[levelOf(event)](logObjectOf(event), messageOf(event));
}

/** Options of {@link logEvents}. */
export interface LogEventsOptions {
  /** The lowest level logged. Default `debug`: every event. */
  minLevel?: LogLevel;
}

const LOG_EVENTS_OPTIONS = Object.keys({ minLevel: true } satisfies Record<keyof LogEventsOptions, true>);

/**
 * An `onEvent` handler that logs every event through `logger` at the level {@link levelOf} gives it, with
 * the event under `latchkey` in the log object. Pass `minLevel` to drop chattier levels.
 *
 * @example createVerifier({ ...options, onEvent: logEvents(pino()) })
 * @example createVerifier({ ...options, onEvent: logEvents(app.log, { minLevel: 'warn' }) })
 */
export function logEvents(logger: LoggerLike, options: LogEventsOptions = {}): EventHandler {
  if (typeof logger !== 'object' || logger === null || typeof logger.info !== 'function') {
    throw new TypeError("logEvents: pass a logger with debug/info/warn/error methods (pino, Fastify's app.log)");
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('logEvents: options must be an object');
  // `{ level: 'warn' }` ignored would log every token verification at debug.
  refuseUnknownKeys(options, LOG_EVENTS_OPTIONS, 'logEvents options');
  const { minLevel = 'debug' } = options;
  const floor = LEVELS.indexOf(minLevel);
  if (floor < 0) throw new TypeError(`logEvents: "minLevel" must be one of ${LEVELS.join(', ')}`);
  return (event) => {
    const level = levelOf(event);
    if (LEVELS.indexOf(level) >= floor) logger[level](logObjectOf(event), messageOf(event));
  };
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
