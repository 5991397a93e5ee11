/**
 * Observability events and the sink that delivers them: a handler can never throw into a request, and
 * producers skip building (and timing) events when nobody listens.
 */
import type { LatchkeyErrorCode } from './errors.js';

/** The request an event belongs to, when an adapter saw one: method and path (never the query string). */
export interface RequestInfo {
  readonly method: string;
  readonly path: string;
}

/** Where a refusal happened: no usable credentials, a token the verifier refused, or a route guard (403). */
export type RefusalStage = 'credentials' | 'token' | 'guard';

/**
 * Observability events. Subscribe with the verifier's `onEvent` option; a handler that throws is ignored
 * (reported to `console.error` once), so observability can never break a request. No event carries a
 * token, a signature or a secret.
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
  /** A token passed every check. `durationMs` is the whole authentication (extraction, cache or verification, rules). */
  | { type: 'token-verified'; durationMs: number; request: RequestInfo | undefined }
  /**
   * A request or token was refused: one event per refusal, whatever refused it. `message` is what the
   * client was told; `detail` is for the server only (expected and received `iss`/`aud`, the `kid` not
   * found…) and is never sent to the client. Neither contains the token.
   */
  | {
      type: 'refused';
      stage: RefusalStage;
      code: LatchkeyErrorCode;
      status: 400 | 401 | 403;
      message: string;
      claim: string | undefined;
      detail: string | undefined;
      request: RequestInfo | undefined;
    };

/** A subscriber to {@link LatchkeyEvent}s. It should not throw; if it does, the error is ignored. */
export type EventHandler = (event: LatchkeyEvent) => void;

/** Where producers send events: the verifier's {@link LatchkeyEvent}s, or another package's own (the issuer's). */
export interface EventSink<Event = LatchkeyEvent> {
  emit(event: Event): void;
  /** True when someone listens: producers skip building events nobody reads. */
  readonly active: boolean;
}

/** The sink of a verifier without `onEvent`: drops everything, and says so through `active`. */
export const SILENT_SINK: EventSink<never> = Object.freeze({ emit() {}, active: false });

/**
 * Wraps a user handler so that it can never throw into a request: the first error is reported to
 * `console.error` (prefixed with `[source]`), later ones are ignored. Generic over the event type, so every
 * Latchkey package that reports events shares this one guarantee.
 */
export function eventSink<Event = LatchkeyEvent>(handler: ((event: Event) => void) | undefined, source = 'latchkey'): EventSink<Event> {
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
          console.error(`[${source}] an onEvent handler threw; further errors from it are ignored`, error);
        }
      }
    },
  };
}
