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

/** Joins the channel `name` (one per client configuration); `onMessage` sees the other tabs' messages only. */
export function openTabChannel(name: string, onMessage: (message: TabMessage) => void): TabChannel {
  if (typeof BroadcastChannel !== 'function') return { post() {}, close() {} };
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent) => {
    const data: unknown = event.data;
    // Same-origin only, but still checked: a message that is not ours is ignored, never thrown on.
    if (typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string') onMessage(data as TabMessage);
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
