/**
 * Server nonces (RFC 9449 §8), stateless: a nonce is a time window and its HMAC, so any instance holding
 * the secret accepts the nonces of the others, and nothing is stored. A nonce stays acceptable for the
 * window it was made in and the next one, so a client that just learnt one never races a rotation.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Default nonce lifetime: a new nonce every 300 s, each accepted for up to twice that. */
export const DEFAULT_DPOP_NONCE_ROTATE_SECONDS = 300;

/** Nonces issued and accepted by one server (or by every instance sharing its secret). */
export interface DpopNonces {
  /** The nonce to hand out now (`DPoP-Nonce`). */
  current(): string;
  /** Whether a proof's `nonce` is one this server made in the current or the previous window. */
  accepts(nonce: string): boolean;
}

const NONCE = /^([0-9a-z]{1,12})\.([\w-]{22})$/;

/**
 * The nonces of one server. `secret` shared by every instance makes their nonces interchangeable; each
 * `rotateSeconds` a new one is handed out.
 */
export function createDpopNonces(secret: Uint8Array | undefined, rotateSeconds: number, now: () => number): DpopNonces {
  // Without a shared secret, one per process: nonces then only work when a client keeps talking to one instance.
  const key = secret ?? randomBytes(32);
  const mac = (window: number): Buffer => createHmac('sha256', key).update(`dpop-nonce:${window}`).digest().subarray(0, 16);
  const windowAt = (): number => Math.floor(now() / 1000 / rotateSeconds);
  return {
    current() {
      const window = windowAt();
      return `${window.toString(36)}.${mac(window).toString('base64url')}`;
    },
    accepts(nonce) {
      const match = NONCE.exec(nonce);
      if (match === null) return false;
      const window = Number.parseInt(match[1]!, 36);
      const current = windowAt();
      if (window !== current && window !== current - 1) return false;
      return timingSafeEqual(Buffer.from(match[2]!, 'base64url'), mac(window));
    },
  };
}
