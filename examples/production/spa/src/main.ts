/**
 * The SPA: vanilla TypeScript over @latchkey/client. No framework on purpose: the client is framework-
 * agnostic, and a React or Vue app would make exactly these calls from its components; without one the
 * example stays about the session (and the built bundle is a few kilobytes).
 */
import { createClient, LatchkeyClientError } from '@latchkey/client';
import './style.css';

const REFRESH_PATH = '/api/token/refresh/';
let refreshes = 0;

const auth = createClient({
  // 'cookie' when the issuer sets the refresh token as an HttpOnly cookie (see the README).
  refreshToken: import.meta.env.VITE_LATCHKEY_REFRESH_MODE === 'cookie' ? 'cookie' : 'memory',
  // The stack's access tokens may live only a few seconds (the tests use 3 s): refresh 1 s ahead (the
  // default 30 s would be capped at half a token's life). With 5-minute tokens keep the default.
  refreshAheadSeconds: 1,
  // Counts this tab's own successful refreshes, to show that they happen (and happen once).
  fetch: async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).endsWith(REFRESH_PATH) && response.ok) {
      refreshes += 1;
      text('refreshes', String(refreshes));
    }
    return response;
  },
});

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const text = (id: string, value: string) => void (element(id).textContent = value);
let expiresAt: number | undefined;

function show(view: 'login' | 'app', message = '', isError = false): void {
  element('login-view').hidden = view !== 'login';
  element('app-view').hidden = view !== 'app';
  const target = element(view === 'login' ? 'login-message' : 'app-message');
  target.textContent = message;
  target.classList.toggle('error', isError);
  document.body.dataset.view = view;
}

function sessionEnded(error: unknown): boolean {
  if (error instanceof LatchkeyClientError && (error.code === 'refresh_failed' || error.code === 'not_logged_in')) {
    show('login', 'Your session has ended (logged out elsewhere, or revoked). Please sign in again.', true);
    return true;
  }
  return false;
}

async function loadData(): Promise<void> {
  const response = await auth.fetch('/api/me');
  if (!response.ok) throw new Error(`the API answered ${response.status}`);
  const me = (await response.json()) as { user: string; username?: string; expiresAt: number; instance: string; clientAddress: string };
  text('who', me.username ?? me.user);
  text('user', me.user);
  text('instance', me.instance);
  text('address', me.clientAddress);
  expiresAt = me.expiresAt * 1000;
  tick();
  show('app', `Loaded at ${new Date().toLocaleTimeString()}`);
}

function tick(): void {
  if (expiresAt === undefined) return;
  const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  text('expires', seconds > 0 ? `${seconds} s` : 'expired (the next call refreshes it)');
}

/** Runs a button's action; a session that ended sends the user to the sign-in screen. */
function action(id: string, run: () => Promise<void>): void {
  element(id).addEventListener('click', () => {
    run().catch((error: unknown) => {
      if (!sessionEnded(error)) show('app', error instanceof Error ? error.message : String(error), true);
    });
  });
}

element<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const username = element<HTMLInputElement>('username').value;
  const password = element<HTMLInputElement>('password').value;
  auth
    .login(username, password)
    .then(() => {
      element<HTMLInputElement>('password').value = '';
      return loadData();
    })
    .catch((error: unknown) => {
      const status = error instanceof LatchkeyClientError ? error.status : undefined;
      show(
        'login',
        status === 429 ? 'Too many attempts: wait a moment.' : status === 401 ? 'Wrong user name or password.' : 'Sign-in failed; try again.',
        true,
      );
    });
});

action('load', loadData);
action('refresh', async () => {
  await auth.refresh();
  await loadData();
});
action('logout', async () => {
  await auth.logout();
  show('login', 'You are logged out.');
});
action('logout-all', async () => {
  const response = await auth.fetch('/api/token/logout-all/', { method: 'POST' });
  if (!response.ok) throw new Error(`log out everywhere failed (${response.status})`);
  const { revoked } = (await response.json()) as { revoked: number };
  await auth.logout();
  show('login', `Logged out everywhere (${revoked} session${revoked === 1 ? '' : 's'} ended).`);
});

// Another tab logged out (the client tells every tab): follow it.
setInterval(() => {
  tick();
  if (!auth.loggedIn && document.body.dataset.view === 'app') show('login', 'You were logged out in another tab.');
}, 250);

// A new tab takes the session of an open one (memory mode) or from the refresh cookie (cookie mode).
void auth.restore().then((restored) => (restored ? loadData().catch((error: unknown) => sessionEnded(error) || show('login')) : show('login')));
