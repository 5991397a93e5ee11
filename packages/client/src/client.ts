/**
 * The browser client: logs in against a simplejwt-compatible issuer, keeps the tokens in memory (the
 * refresh token, or an HttpOnly cookie in cookie mode), refreshes one tab at a time and shares the result
 * with the others, and signs DPoP proofs when enabled.
 */
import { accessTimes } from './access-expiry.js';
import { createDpopSigner, type DpopSigner } from './dpop.js';
import { LatchkeyClientError } from './errors.js';
import { resolveOptions, type LatchkeyClientOptions, type ResolvedOptions } from './options.js';
import { openTabChannel, withTabLock, type TabChannel, type TabMessage } from './tab-channel.js';

/** A browser session against a simplejwt-compatible issuer. Tokens live in memory only, never in storage. */
export interface LatchkeyClient {
  /** `POST obtain`; resolves when logged in, rejects with `login_failed` (the issuer's 401 or 400). */
  login(username: string, password: string): Promise<void>;
  /**
   * `fetch` with `Authorization: Bearer`; on a 401 `token_not_valid` it refreshes once and retries once.
   * Only to the page's own origin, the issuer's, and `allowedOrigins`: any other rejects with
   * `origin_not_allowed` before a request is made.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** A valid-looking access token, refreshing first when it is within `refreshAheadSeconds` of expiry. */
  accessToken(): Promise<string>;
  /** Refresh now (one refresh in flight per tab, one at a time across tabs). */
  refresh(): Promise<void>;
  /** Asks sibling tabs for the session (memory mode) or refreshes from the cookie (cookie mode). */
  restore(timeoutMs?: number): Promise<boolean>;
  /** `POST blacklist`, then forgets the tokens in every tab; rejects (after forgetting) only when the request could not be sent. */
  logout(): Promise<void>;
  /** Whether this tab holds a session. */
  readonly loggedIn: boolean;
  /** Closes the BroadcastChannel. */
  close(): void;
}

interface Session {
  access: string;
  refresh?: string;
  generation: number;
}

// The lock holder waits this long after broadcasting before it lets the next tab in, so the new tokens
// reach that tab before it decides whether it still needs to refresh.
const handOverMs = 25;

const isStream = (body: BodyInit | null | undefined): boolean => typeof ReadableStream === 'function' && body instanceof ReadableStream;

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Creates a client; validates options at once (unknown keys are a TypeError). */
export function createClient(options?: LatchkeyClientOptions): LatchkeyClient {
  const settings: ResolvedOptions = resolveOptions(options);
  const cookieMode = settings.refreshToken === 'cookie';
  let session: Session | undefined;
  let generation = 0;
  let inflight: Promise<void> | undefined;
  // Counts logouts, this tab's and its siblings': a refresh answered after one must not log the tab back in.
  let logouts = 0;
  const waiters = new Set<() => void>();
  // DPoP: one key per session family, shared with sibling tabs; the latest nonce each server handed out
  // (RFC 9449 §8: the issuer and an API make theirs apart, even on one origin), by role and origin.
  let signer: Promise<DpopSigner> | undefined;
  const dpopNonces = new Map<string, string>();
  const dpopSigner = (): Promise<DpopSigner> => (signer ??= createDpopSigner());

  const adopt = (next: Session | undefined): void => {
    session = next;
    for (const wake of waiters) wake();
  };
  const channel: TabChannel = openTabChannel(settings.coordinationName, (message: TabMessage) => {
    if (message.type === 'hello') {
      if (session) postSession(session);
      return;
    }
    if (message.generation <= generation && message.type === 'tokens') return;
    generation = Math.max(generation, message.generation);
    if (message.type === 'logout') {
      logouts += 1;
      adopt(undefined);
    } else if (typeof message.access === 'string') {
      // The tokens are bound to the sending tab's key: sign with that one from now on.
      if (settings.dpop && message.dpopKey !== undefined) signer = createDpopSigner(message.dpopKey);
      adopt({ access: message.access, refresh: cookieMode ? undefined : message.refresh, generation: message.generation });
    }
  });

  /** Posts the `tokens` message of `current`, with the DPoP key when there is one (once it exists). */
  function postSession(current: Session): void {
    const pending = settings.dpop ? signer : undefined;
    if (pending === undefined) return channel.post({ type: 'tokens', ...current });
    void pending.then((made) => channel.post({ type: 'tokens', ...current, dpopKey: made.keyPair }));
  }

  /**
   * Sends with a fresh DPoP proof when DPoP is on; a `use_dpop_nonce` answer (RFC 9449 §8) is retried once
   * with the nonce it carried. `send(proof)` makes the request.
   */
  async function withProof(
    method: string,
    target: string | URL,
    accessToken: string | undefined,
    send: (proof: string | undefined) => Promise<Response>,
  ): Promise<Response> {
    if (!settings.dpop) return send(undefined);
    const server = `${accessToken === undefined ? 'token' : 'resource'} ${new URL(target, globalThis.location?.href).origin}`;
    const attempt = async (): Promise<Response> => {
      const response = await send(await (await dpopSigner()).proof(method, target, accessToken, dpopNonces.get(server)));
      const nonce = response.headers.get('DPoP-Nonce');
      if (nonce !== null) dpopNonces.set(server, nonce);
      return response;
    };
    const first = await attempt();
    const askedForNonce =
      first.headers.has('DPoP-Nonce') &&
      (first.status === 400 || first.status === 401) &&
      (first.headers.get('WWW-Authenticate')?.includes('use_dpop_nonce') === true || (await readJson(first.clone()))?.error === 'use_dpop_nonce');
    return askedForNonce ? attempt() : first;
  }

  const url = (path: string) => settings.baseUrl + path;
  const jsonHeaders: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  // Cookie mode: the issuer's CSRF check wants this header, which a page on another origin cannot add
  // without a CORS preflight that only the issuer's allowed origins pass.
  if (cookieMode) jsonHeaders[settings.csrfHeader] = '1';
  const post = (path: string, body: object) =>
    withProof('POST', url(path), undefined, (proof) =>
      settings.fetch(url(path), {
        method: 'POST',
        headers: { ...jsonHeaders, ...(proof === undefined ? {} : { DPoP: proof }) },
        body: JSON.stringify(body),
        // Cookie mode: the HttpOnly refresh cookie rides along; memory mode sends no cookies to token routes.
        credentials: cookieMode ? 'include' : 'same-origin',
      }),
    );

  const publish = (access: string, refresh: string | undefined): void => {
    generation += 1;
    const next: Session = { access, refresh: cookieMode ? undefined : refresh, generation };
    adopt(next);
    postSession(next);
  };
  const forget = (): void => {
    generation += 1;
    // The next login gets a new key: nothing issued to this session can be used with it.
    signer = undefined;
    logouts += 1;
    adopt(undefined);
    channel.post({ type: 'logout', generation });
  };

  const fresh = (token: string) => {
    const times = accessTimes(token);
    if (times === undefined) return true;
    // At most half the token's life ahead: a token shorter-lived than the margin would refresh on every call.
    const aheadMs = Math.min(settings.refreshAheadSeconds * 1000, times.iatMs === undefined ? Infinity : (times.expMs - times.iatMs) / 2);
    return times.expMs - aheadMs > Date.now();
  };

  const refreshUnderLock = async (seen: number): Promise<void> => {
    // Another tab refreshed while this one waited for the lock: its tokens arrived by broadcast, and the
    // refresh token this tab held is spent. Presenting it would look like theft and revoke the family.
    if (generation !== seen && session && fresh(session.access)) return;
    const refresh = session?.refresh;
    if (!cookieMode && refresh === undefined) throw new LatchkeyClientError('not_logged_in', 'no session to refresh');
    const logoutsBefore = logouts;
    const response = await post(settings.paths.refresh, cookieMode ? {} : { refresh });
    const body = await readJson(response);
    if (logouts !== logoutsBefore) {
      // Logged out (here or in a sibling tab) while the issuer answered: whatever it said, the tab is logged
      // out. New tokens are dropped, not adopted, and their refresh token (cookie mode: the cookie just
      // set) blacklisted, best effort.
      const successor = typeof body?.refresh === 'string' ? body.refresh : undefined;
      if (response.status === 200 && typeof body?.access === 'string' && (cookieMode || successor !== undefined))
        void post(settings.paths.blacklist, cookieMode ? {} : { refresh: successor }).catch(() => undefined);
      throw new LatchkeyClientError('not_logged_in', 'logged out while the refresh was answered');
    }
    if (response.status === 200 && typeof body?.access === 'string') {
      publish(body.access, typeof body.refresh === 'string' ? body.refresh : refresh);
      await new Promise((resolve) => setTimeout(resolve, handOverMs));
      return;
    }
    if (response.status === 401 || response.status === 400) {
      forget();
      throw new LatchkeyClientError('refresh_failed', typeof body?.detail === 'string' ? body.detail : 'refresh refused', response.status);
    }
    throw new LatchkeyClientError('bad_response', `refresh answered ${response.status}`, response.status);
  };

  const refresh = (): Promise<void> => {
    if (inflight) return inflight;
    const seen = generation;
    inflight = withTabLock(settings.coordinationName, () => refreshUnderLock(seen)).finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  const accessToken = async (): Promise<string> => {
    if (session && fresh(session.access)) return session.access;
    if (!session && !cookieMode) throw new LatchkeyClientError('not_logged_in', 'not logged in');
    await refresh();
    if (!session) throw new LatchkeyClientError('not_logged_in', 'not logged in');
    return session.access;
  };

  /** Refuses, before any request, a URL whose origin may not see the access token. */
  const checkOrigin = (input: string | URL): void => {
    let origin: string | undefined;
    try {
      origin = new URL(input, globalThis.location?.href).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== undefined && (origin === globalThis.location?.origin || settings.allowedOrigins.includes(origin))) return;
    throw new LatchkeyClientError('origin_not_allowed', `the access token is not sent to ${origin ?? String(input)}: add its origin to allowedOrigins`);
  };

  const authorized = (input: string | URL, init: RequestInit | undefined, token: string) =>
    withProof(init?.method ?? 'GET', input, token, (proof) => {
      const headers = new Headers(init?.headers);
      headers.set('Authorization', `${proof === undefined ? 'Bearer' : 'DPoP'} ${token}`);
      if (proof !== undefined) headers.set('DPoP', proof);
      return settings.fetch(input, { ...init, headers });
    });

  const isTokenNotValid = async (response: Response) => {
    if (response.status !== 401) return false;
    const body = await readJson(response.clone());
    return body?.code === 'token_not_valid';
  };

  return {
    async login(username, password) {
      const response = await post(settings.paths.obtain, { username, password });
      const body = await readJson(response);
      if (response.status !== 200) {
        throw new LatchkeyClientError('login_failed', typeof body?.detail === 'string' ? body.detail : `login answered ${response.status}`, response.status);
      }
      if (typeof body?.access !== 'string' || (!cookieMode && typeof body.refresh !== 'string')) {
        throw new LatchkeyClientError('bad_response', 'login answer lacks access/refresh', response.status);
      }
      publish(body.access, typeof body.refresh === 'string' ? body.refresh : undefined);
    },
    async fetch(input, init) {
      checkOrigin(input);
      const token = await accessToken();
      const response = await authorized(input, init, token);
      if (!(await isTokenNotValid(response))) return response;
      // Only refresh if nobody replaced the token meanwhile; then retry exactly once.
      if (session?.access === token) await refresh();
      // A streamed body was spent by the first attempt and cannot be sent again: the caller gets the 401,
      // and its own retry finds the refreshed token.
      if (!session || isStream(init?.body)) return response;
      return authorized(input, init, session.access);
    },
    accessToken,
    refresh,
    async restore(timeoutMs = 150) {
      if (session) return true;
      if (cookieMode) {
        try {
          await refresh();
        } catch {
          return false;
        }
        return session !== undefined;
      }
      const arrived = new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        waiters.add(wake);
        const timer = setTimeout(wake, timeoutMs);
      });
      channel.post({ type: 'hello' });
      await arrived;
      return session !== undefined;
    },
    async logout() {
      const refreshToken = session?.refresh;
      try {
        if (cookieMode || refreshToken !== undefined) await post(settings.paths.blacklist, cookieMode ? {} : { refresh: refreshToken });
      } finally {
        forget();
      }
    },
    get loggedIn() {
      return session !== undefined;
    },
    close: () => channel.close(),
  };
}
