/** Terminal output: colours only on a TTY, and never when NO_COLOR is set (https://no-color.org). */

/** Where a command writes, and whether it may colour. Injected so tests and the bin share one path. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when colours may be used. */
  readonly colour: boolean;
}

/** The process's streams: colour when stdout is a TTY and NO_COLOR is unset or empty. */
export function processIo(): Io {
  const noColor = process.env['NO_COLOR'];
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    colour: process.stdout.isTTY === true && (noColor === undefined || noColor === ''),
  };
}

const CODES = { green: 32, red: 31, dim: 2, bold: 1, yellow: 33 } as const;

/** Wraps `text` in an SGR colour when the output may be coloured. */
export function paint(io: Io, colour: keyof typeof CODES, text: string): string {
  return io.colour ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

// C0 and C1 controls (ESC starts a terminal escape sequence; U+009B is a one-character CSI), and the
// bidirectional overrides that make text read other than it is (CVE-2021-42574's "Trojan Source").
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control and bidirectional-override character written as `\uXXXX`: for anything taken
 * from a token (claim names and values, header members, error details), which must not reach the
 * terminal as escape sequences or forge report lines.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Exit codes: 0 pass, 1 the token (or config) fails, 2 the command was used wrongly. */
export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;

/** A mistake in how the command was called: printed with the command's help hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
