/**
 * The verifier's one internal entry and the per-token events around it, shared by the public `verify()`,
 * the multi-issuer verifier and the adapters' request authenticator, so that no caller repeats its steps.
 */
import { isLatchkeyError, type LatchkeyError } from '../errors.js';
import type { EventSink, LatchkeyEvent, RefusalStage, RequestInfo } from '../events.js';
import { unbound } from '../binding.js';
import type { JwtPayload, VerifiedToken } from '../types.js';

/** What a Latchkey verifier offers its own package, behind a symbol users do not see. */
export interface VerifierInternals<Payload extends JwtPayload = JwtPayload> {
  /** The verifier's event sink (its `onEvent`). */
  readonly events: EventSink;
  /**
   * Cache, then size and syntax, header, key, signature, claims, rules and revocation. Returns the result
   * itself when every step was synchronous (the common case), else a promise; throws or rejects with the
   * error. Emits no per-token event: the caller does, with what it knows of the request.
   */
  check(token: string): VerifiedToken<Payload> | Promise<VerifiedToken<Payload>>;
}

/** The key under which a verifier object carries its internals. */
export const INTERNALS: unique symbol = Symbol('latchkey.verifier');

/** The internals of a verifier made by this package, or `undefined` for any other object with `verify()`. */
export function internalsOf<Payload extends JwtPayload>(verifier: object): VerifierInternals<Payload> | undefined {
  return (verifier as { [INTERNALS]?: VerifierInternals<Payload> })[INTERNALS];
}

/** True for a thenable: the steps of a verification return values when they can, promises when they must. */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}

/** The stage of a refusal, from its code: credentials (400, bare 401), the verifier, or a route guard. */
export function stageOf(error: LatchkeyError, guard: boolean): RefusalStage {
  if (error.code === 'ERR_BEARER_MISSING' || error.code === 'ERR_BEARER_MALFORMED') return 'credentials';
  return guard ? 'guard' : 'token';
}

/** The `refused` event of a Latchkey error. */
export function refusedEvent(error: LatchkeyError, guard: boolean, request: RequestInfo | undefined): LatchkeyEvent {
  return {
    type: 'refused',
    stage: stageOf(error, guard),
    code: error.code,
    status: error.status,
    message: error.message,
    claim: error.claim,
    detail: error.detail,
    request,
  };
}

/** Emits the `refused` event for a Latchkey error (other errors are the application's, not refusals). */
export function emitRefused(events: EventSink, error: unknown, guard: boolean, request: RequestInfo | undefined): void {
  if (events.active && isLatchkeyError(error)) events.emit(refusedEvent(error, guard, request));
}

/** Emits `token-verified` with the time since `startedMs` (a `performance.now()` reading). */
export function emitVerified(events: EventSink, startedMs: number, request: RequestInfo | undefined): void {
  events.emit({ type: 'token-verified', durationMs: performance.now() - startedMs, request });
}

/**
 * `check(token)` as a promise, with its events when someone listens. Without a listener nothing is timed
 * and no promise is made beyond the one returned.
 */
export function verifyObserved<Payload extends JwtPayload>(internals: VerifierInternals<Payload>, token: string): Promise<VerifiedToken<Payload>> {
  const { events } = internals;
  const startedMs = events.active ? performance.now() : 0;
  try {
    const checked = internals.check(token);
    // No request, no proof of possession: a bound token is refused here (binding.ts).
    const outcome = isPromise(checked) ? checked.then(unbound) : unbound(checked);
    if (!events.active) return isPromise(outcome) ? outcome : Promise.resolve(outcome);
    if (!isPromise(outcome)) {
      emitVerified(events, startedMs, undefined);
      return Promise.resolve(outcome);
    }
    return outcome.then(
      (result) => (emitVerified(events, startedMs, undefined), result),
      (error: unknown) => {
        emitRefused(events, error, false, undefined);
        throw error;
      },
    );
  } catch (error) {
    emitRefused(events, error, false, undefined);
    return Promise.reject(error);
  }
}

/**
 * `verify(token)` without the refusal of sender-constrained tokens, for a caller that checks `cnf` itself
 * against the request (an issuer's token endpoint reading its own DPoP-bound refresh tokens). Emits no events.
 */
export function verifyIgnoringBinding<Payload extends JwtPayload>(
  verifier: { verify(token: string): Promise<VerifiedToken<Payload>> },
  token: string,
): Promise<VerifiedToken<Payload>> {
  const internals = internalsOf<Payload>(verifier);
  if (internals === undefined) return verifier.verify(token);
  try {
    return Promise.resolve(internals.check(token));
  } catch (error) {
    return Promise.reject(error);
  }
}
