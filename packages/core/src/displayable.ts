/**
 * Token-derived and remote values (a `kid`, an `alg`, an issuer) on their way into events and messages.
 * Such a value is attacker-chosen: unbounded, it could fill logs; raw, its CR/LF or ESC could forge log
 * lines or drive a terminal. Every one is bounded and escaped here before it leaves the verifier.
 */

/** Longest part of a value kept, in UTF-16 code units. Real `kid`s (thumbprints, UUIDs, URLs) are shorter. */
export const MAX_DISPLAYED_CHARS = 128;

// Anything but printable ASCII, and the backslash (so an escape in the output is always ours).
const UNSAFE = /[^\x20-\x5B\x5D-\x7E]/;
const UNSAFE_ALL = /[^\x20-\x5B\x5D-\x7E]/g;

function escapeChar(char: string): string {
  return char === '\\' ? '\\\\' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The value as printable ASCII: cut to {@link MAX_DISPLAYED_CHARS} (then followed by `...` and the full
 * length), with controls, non-ASCII and `\` written as `\uXXXX` / `\\` escapes.
 */
export function displayable(value: unknown): string {
  const text =
    typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : (JSON.stringify(value) ?? String(value));
  const long = text.length > MAX_DISPLAYED_CHARS;
  const kept = long ? text.slice(0, MAX_DISPLAYED_CHARS) : text;
  const safe = UNSAFE.test(kept) ? kept.replace(UNSAFE_ALL, escapeChar) : kept;
  return long ? `${safe}...(${text.length} chars)` : safe;
}
