import { describe, expect, it } from 'vitest';
import { MAX_DISPLAYED_CHARS, displayable } from '../src/displayable.js';

describe('displayable (token-derived values on their way to events and messages)', () => {
  it('keeps printable ASCII as it is', () => {
    expect(displayable('2026-11-rsa_key.1')).toBe('2026-11-rsa_key.1');
  });

  it('escapes controls, non-ASCII and the backslash', () => {
    expect(displayable('a\r\nb\u001b[31mc\u0000é\u2028\\')).toBe('a\\u000d\\u000ab\\u001b[31mc\\u0000\\u00e9\\u2028\\\\');
  });

  it('cuts long values, saying how long they were', () => {
    const shown = displayable('k'.repeat(20_000));
    expect(shown).toBe(`${'k'.repeat(MAX_DISPLAYED_CHARS)}...(20000 chars)`);
  });

  it('shows non-strings as JSON', () => {
    expect(displayable(undefined)).toBe('undefined');
    expect(displayable({ a: '\n' })).toBe('{"a":"\\\\n"}');
    expect(displayable(42)).toBe('42');
  });
});
