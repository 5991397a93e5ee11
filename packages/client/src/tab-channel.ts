/** What tabs tell each other. A `generation` orders token sets: the highest one seen wins. */
export type TabMessage =
  | { type: 'tokens'; generation: number; access: string; refresh?: string; dpopKey?: CryptoKeyPair }
  | { type: 'logout'; generation: number }
  | { type: 'hello' };

/** A BroadcastChannel when the browser has one; otherwise a single-tab no-op. */
export interface TabChannel {
  post(message: TabMessage): void;
  close(): void;
}

const isGeneration = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * `data` as one of our messages, or `undefined`. Any same-origin script can post on the channel's name: a
 * message of another shape must change nothing (a missing generation would otherwise poison the ordering).
 */
export function tabMessageOf(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const message = data as Record<string, unknown>;
  if (message.type === 'hello') return { type: 'hello' };
  if (message.type === 'logout') return isGeneration(message.generation) ? { type: 'logout', generation: message.generation } : undefined;
  if (message.type !== 'tokens' || !isGeneration(message.generation) || typeof message.access !== 'string') return undefined;
  if (message.refresh !== undefined && typeof message.refresh !== 'string') return undefined;
  const dpopKey = message.dpopKey;
  if (dpopKey !== undefined && (typeof dpopKey !== 'object' || dpopKey === null)) return undefined;
  return { type: 'tokens', generation: message.generation, access: message.access, refresh: message.refresh, dpopKey: dpopKey as CryptoKeyPair | undefined };
}

/** Joins the channel `name` (one per client configuration); `onMessage` sees the other tabs' messages only. */
export function openTabChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel !== 'function') return { post() {}, close() {} };
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent) => {
    // Same-origin only, but still checked: a message that is not ours is ignored, never thrown on.
    const message = tabMessageOf(event.data);
    if (message !== undefined) onMessage(message);
  };
  let open = true;
  // Posting on a closed BroadcastChannel throws InvalidStateError; after close() this tab is on its own.
  return {
    post: (message) => {
      if (open) channel.postMessage(message);
    },
    close: () => {
      open = false;
      channel.close();
    },
  };
}

/**
 * Runs `task` while holding the exclusive Web Lock `name`, so at most one tab of the origin refreshes at a
 * time (the refresh token is single-use under rotation: RFC 9700 §4.14.2). Without the Web Locks API the
 * task runs unguarded; the in-tab single flight still holds.
 */
export function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'object' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (locks === undefined) return task();
  return locks.request(name, { mode: 'exclusive' }, task) as Promise<T>;
}
