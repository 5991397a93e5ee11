/** Request body parsing as DRF does it (JSON and form bodies), and reading the expected fields from it. */
import { json } from './responses.js';
import type { IssuerRequest, IssuerResponse } from './types.js';

/** A parsed body: the fields as DRF's parsers give them, or the 400/415 to answer. */
export type ParsedBody = { readonly ok: true; readonly data: Record<string, unknown> } | { readonly ok: false; readonly response: IssuerResponse };

const bad = (body: unknown, status = 400, extra: Record<string, string> = {}): ParsedBody => ({ ok: false, response: json(status, body, extra) });

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

// Python's type names, as DRF's "Expected a dictionary, but got list." shows them.
function pythonType(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'NoneType';
}

/** The `charset` parameter of a Content-Type, lower-cased (`undefined`: none). */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * A JSON body's text, decoded strictly in its declared charset (UTF-8 when none): bytes that are not valid
 * in it are a parse error, as DRF's JSONParser gives, rather than U+FFFD quietly reaching a password check.
 * `undefined` when the bytes do not decode, or the charset is none that TextDecoder knows.
 */
function strictText(body: string | Uint8Array, contentType: string | undefined): string | undefined {
  if (typeof body === 'string') return body;
  const charset = charsetOf(contentType);
  try {
    return (charset === undefined || charset === 'utf-8' ? UTF8 : new TextDecoder(charset, STRICT)).decode(body);
  } catch {
    return undefined;
  }
}

// `ignoreBOM`: a byte-order mark is kept, and JSON.parse refuses it (RFC 8259 §8.1), as DRF's parser does.
const STRICT = { fatal: true, ignoreBOM: true } as const;
// The usual case, built once: a fatal decoder holds no state between whole-buffer decode() calls.
const UTF8 = new TextDecoder('utf-8', STRICT);

// Form bodies are decoded as Django does, invalid bytes replaced: a form field is text, not a document.
function text(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Django's QueryDict from a parser's form output: a repeated field (an array) reads as its last value. */
function lastValues(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const data: Record<string, unknown> = Object.create(null);
  for (const [key, field] of Object.entries(value)) data[key] = Array.isArray(field) && field.length > 0 ? field[field.length - 1] : field;
  return data;
}

/**
 * Parses the body as DRF's default parsers would: JSON and form-encoded are accepted, an empty body is
 * `{}`, anything else is simplejwt's (DRF's) 400 or 415 — never an exception.
 */
export function parseBody(request: IssuerRequest): ParsedBody {
  const { body } = request;
  // Close the connection: the rest of an oversized body is not worth reading to keep it alive.
  if (body === 'too-large') return bad({ detail: 'Request body exceeded the size limit.' }, 400, { connection: 'close' });
  const type = mediaType(request.contentType);
  if (body === undefined || (typeof body === 'string' ? body.length === 0 : body.byteLength === 0)) {
    if (request.parsedBody !== undefined) return fromParsed(type === 'application/x-www-form-urlencoded' ? lastValues(request.parsedBody) : request.parsedBody);
    return { ok: true, data: {} };
  }
  if (type === 'application/json') {
    let value: unknown;
    try {
      const decoded = strictText(body, request.contentType);
      if (decoded === undefined) throw new SyntaxError('not text in its charset');
      value = JSON.parse(decoded);
    } catch {
      return bad({ detail: 'JSON parse error - the body is not valid JSON' });
    }
    return fromParsed(value);
  }
  if (type === 'application/x-www-form-urlencoded') {
    const data: Record<string, unknown> = Object.create(null);
    // Django's QueryDict: a repeated key reads as its last value.
    for (const [key, value] of new URLSearchParams(text(body))) data[key] = value;
    return { ok: true, data };
  }
  return bad({ detail: `Unsupported media type "${request.contentType ?? ''}" in request.` }, 415);
}

function fromParsed(value: unknown): ParsedBody {
  if (value === null) return bad({ non_field_errors: ['No data provided'] });
  if (typeof value !== 'object' || Array.isArray(value))
    return bad({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonType(value)}.`] });
  return { ok: true, data: value as Record<string, unknown> };
}

/** How a string field is read: DRF's `CharField` (trimmed, not blank). `raw` keeps the untrimmed value. */
export interface FieldSpec {
  readonly name: string;
  /** Check the trimmed value for blankness but hand back the value as sent (passwords). */
  readonly raw?: boolean;
}

/**
 * Validates string fields like DRF's `CharField`: required, not null, a string (numbers are taken as
 * their text, like DRF), not blank. Resolves the values, or the 400 `{"field": ["…"]}` with every field's error.
 */
export function readFields(
  data: Record<string, unknown>,
  fields: readonly FieldSpec[],
): { ok: true; values: Record<string, string> } | { ok: false; response: IssuerResponse } {
  const values: Record<string, string> = Object.create(null);
  const errors: Record<string, string[]> = {};
  for (const { name, raw } of fields) {
    const value = Object.prototype.hasOwnProperty.call(data, name) ? data[name] : undefined;
    let message: string | undefined;
    if (value === undefined) message = 'This field is required.';
    else if (value === null) message = 'This field may not be null.';
    else if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) message = 'Not a valid string.';
    else {
      const asText = String(value);
      const trimmed = asText.trim();
      if (trimmed === '') message = 'This field may not be blank.';
      else values[name] = raw === true ? asText : trimmed;
    }
    if (message !== undefined) errors[name] = [message];
  }
  return Object.keys(errors).length === 0 ? { ok: true, values } : { ok: false, response: json(400, errors) };
}
