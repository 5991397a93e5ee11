/**
 * Where a request's verified token (`req.auth`) and the authenticator that handled it (for the guards after
 * it) are kept.
 *
 * Why not two plain properties: Express swaps the prototype of every request (`Object.setPrototypeOf(req,
 * app.request)`) before any middleware runs, and V8 does not share hidden classes for properties added to
 * an object after its prototype was swapped: every such property builds a new hidden class, on every
 * request. Measured on Node 20 with real Express 5 requests: 2.0–2.5 µs per property added, so 5.5 µs per
 * request for `req.auth` and the authenticator, against 0.2 µs for the whole verification of a cached
 * token. So `auth` is an accessor on Express's base request prototype (installed once, on the first
 * request that reaches `authenticate`), reading and writing a WeakMap entry: about 0.5 µs, and the entry
 * goes with the request. It behaves as a property: later middleware may read or assign `req.auth`
 * (express-jwt does), and routes without `authenticate` read `undefined`.
 *
 * A request whose prototype was never swapped (a plain `IncomingMessage` or a test double) gets plain own
 * properties: adding them costs nothing special there.
 */
import { IncomingMessage } from 'node:http';

/** What is kept per request. */
interface Slot<Authenticator> {
  auth: unknown;
  authenticator: Authenticator | undefined;
}

const slots = new WeakMap<object, Slot<unknown>>();

// Set (non-enumerable) on the prototype that carries the accessor: one inherited read tells a request of
// that prototype chain from any other.
const INSTALLED = Symbol('latchkey.auth-accessor');
// The authenticator on a request without the accessor.
const HANDLED_BY = Symbol('latchkey.authenticator');

type Marked = { [INSTALLED]?: true; [HANDLED_BY]?: unknown; auth?: unknown };

function slotOf(request: object): Slot<unknown> {
  let slot = slots.get(request);
  if (slot === undefined) slots.set(request, (slot = { auth: undefined, authenticator: undefined }));
  return slot;
}

const accessor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object): unknown {
    return slots.get(this)?.auth;
  },
  set(this: object, value: unknown) {
    slotOf(this).auth = value;
  },
};

/**
 * Installs the accessor on the request's base prototype (the object just above `IncomingMessage.prototype`:
 * Express's `request`, which every app's `request` inherits from), once. False when the request's
 * prototype was never swapped, or the base already has an `auth` of someone else's.
 */
function installAccessor(request: object): boolean {
  let proto = Object.getPrototypeOf(request) as object | null;
  if (proto === IncomingMessage.prototype) return false;
  while (proto !== null) {
    const up = Object.getPrototypeOf(proto) as object | null;
    if (up === IncomingMessage.prototype) {
      if (Object.hasOwn(proto, 'auth')) return false;
      Object.defineProperty(proto, 'auth', accessor);
      Object.defineProperty(proto, INSTALLED, { value: true });
      return true;
    }
    proto = up;
  }
  return false;
}

/** Sets `req.auth` and remembers the authenticator that set it. */
export function attach(request: object, auth: unknown, authenticator: unknown): void {
  const marked = request as Marked;
  // An own `auth` (set before the accessor existed, or by someone else) shadows the accessor: keep to it.
  if ((marked[INSTALLED] === true || installAccessor(request)) && !Object.hasOwn(request, 'auth')) {
    const slot = slotOf(request);
    slot.auth = auth;
    slot.authenticator = authenticator;
    return;
  }
  marked[HANDLED_BY] = authenticator;
  marked.auth = auth;
}

/** The authenticator that handled this request, if any. */
export function authenticatorOf<Authenticator>(request: object): Authenticator | undefined {
  return (slots.get(request)?.authenticator ?? (request as Marked)[HANDLED_BY]) as Authenticator | undefined;
}
