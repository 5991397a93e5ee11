/** Token hashes for the stores, and the sealed successor that lets the refresh grace window answer twice alike. */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** SHA-256 of a token, base64url: what stores keep instead of the token (simplejwt kept it in plaintext, sj#650). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

// The grace window must hand the *same* successor to a second presenter of the old token, yet stores keep
// no tokens. So the successor is kept encrypted under a key derived from the old token: only someone who
// holds the old token (who could have received the successor anyway) can open it. AES-256-GCM, HKDF-SHA-256.
function keyFor(previousToken: string, familyId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', previousToken, familyId, 'latchkey refresh grace v1', 32));
}

/** Encrypts `successor` for holders of `previousToken`. */
export function sealSuccessor(successor: string, previousToken: string, familyId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(previousToken, familyId), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Opens what {@link sealSuccessor} sealed; `undefined` when it does not open with this token. */
export function openSuccessor(sealed: string, previousToken: string, familyId: string): string | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyFor(previousToken, familyId), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
