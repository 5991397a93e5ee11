/** Decoding a compact JWS without trusting it (RFC 7515 §7.1): only for display, never for a decision. */
import { UsageError } from './output.js';

/** The untrusted parts of a token. */
export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

function decodeSegment(segment: string, name: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new UsageError(`the token's ${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new UsageError(`the token's ${name} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`the token's ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits and decodes a token's header and payload. Throws a {@link UsageError} for what is not a JWS at all. */
export function decodeUnverified(token: string): DecodedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw new UsageError('the token is not a compact JWS (three dot-separated parts)');
  return { header: decodeSegment(parts[0] ?? '', 'header'), payload: decodeSegment(parts[1] ?? '', 'payload') };
}

/**
 * A token shortened for display: the command line may be in shell history or a screen share, so it is
 * never echoed back whole (first and last 6 characters only).
 */
export function redactToken(token: string): string {
  return token.length <= 16 ? '…' : `${token.slice(0, 6)}…${token.slice(-6)}`;
}

/** A NumericDate (RFC 7519 §2) as local time and relative to now: `2026-12-01 22:40:00 (in 5 min)`. */
export function describeTime(seconds: unknown, nowMs: number): string | undefined {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const date = new Date(seconds * 1000);
  const local = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' });
  return `${local} (${relative(seconds * 1000 - nowMs)})`;
}

function relative(deltaMs: number): string {
  const abs = Math.abs(deltaMs) / 1000;
  const [amount, unit] =
    abs < 90
      ? [Math.round(abs), 's']
      : abs < 5400
        ? [Math.round(abs / 60), 'min']
        : abs < 129_600
          ? [Math.round(abs / 3600), 'h']
          : [Math.round(abs / 86_400), 'd'];
  return deltaMs >= 0 ? `in ${amount} ${unit}` : `${amount} ${unit} ago`;
}
