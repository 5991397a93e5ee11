import type { EventSink, LatchkeyEvent } from '../../src/events.js';

export type EventOf<T extends LatchkeyEvent['type']> = Extract<LatchkeyEvent, { type: T }>;

/** An event sink that records everything, with a typed filter. */
export function recordEvents(): EventSink & { readonly events: LatchkeyEvent[]; of<T extends LatchkeyEvent['type']>(type: T): EventOf<T>[] } {
  const events: LatchkeyEvent[] = [];
  return {
    active: true,
    events,
    emit: (event) => void events.push(event),
    of: <T extends LatchkeyEvent['type']>(type: T) => events.filter((event): event is EventOf<T> => event.type === type),
  };
}
