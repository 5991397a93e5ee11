import type { LatchkeyErrorCode } from './errors.js';

/**
 * Observability events. Subscribe with the verifier's `onEvent` option; a handler that throws is ignored
 * (reported to `console.error` once), so observability can never break a request.
 */
export type LatchkeyEvent =
  /** A key set was fetched and accepted. `maxAgeMs` is the freshness chosen (Cache-Control within bounds). */
  | { type: 'keys-fetched'; url: string; keyCount: number; skippedCount: number; durationMs: number; maxAgeMs: number }
  /** A key in a fetched set was skipped (unsupported, weak, private material…). The rest of the set is used. */
  | { type: 'key-skipped'; url: string; kid: string | undefined; reason: string }
  /** A fetched set listed more keys than `maxKeys`: only the first `maxKeys` of the `keyCount` listed are used. */
  | { type: 'keys-truncated'; url: string; keyCount: number; maxKeys: number }
  /** A fetch failed. When `staleKeysServed` is true, the last good set keeps serving within the grace period. */
  | { type: 'keys-fetch-failed'; url: string; error: Error; durationMs: number; staleKeysServed: boolean }
  /** A token named a `kid` that the set lacks; `refetched` says whether that caused a fetch (cooldown permitting). */
  | { type: 'unknown-kid'; url: string; kid: string; refetched: boolean }
  /** A discovery document was fetched. */
  | { type: 'discovery-fetched'; url: string; jwksUri: string; durationMs: number }
  /** A token was rejected. The message is Latchkey's own; it never contains the token. */
  | { type: 'token-rejected'; code: LatchkeyErrorCode; message: string; claim: string | undefined };

export type EventHandler = (event: LatchkeyEvent) => void;

/** Where key sources and the verifier send events. */
export interface EventSink {
  emit(event: LatchkeyEvent): void;
  /** True when someone listens: producers skip building events nobody reads. */
  readonly active: boolean;
}

export const SILENT_SINK: EventSink = Object.freeze({ emit() {}, active: false });

/** Wraps a user handler so that it can never throw into Latchkey. */
export function eventSink(handler: EventHandler | undefined): EventSink {
  if (handler === undefined) return SILENT_SINK;
  let warned = false;
  return {
    active: true,
    emit(event) {
      try {
        handler(event);
      } catch (error) {
        if (!warned) {
          warned = true;
          console.error('[latchkey] an onEvent handler threw; further errors from it are ignored', error);
        }
      }
    },
  };
}
