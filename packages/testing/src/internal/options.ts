/**
 * The one check every options object of this kit goes through. A misspelt option must not pass silently:
 * `expiresIn` for `expiresInSeconds` would sign 300-second tokens in a test about 10-second ones, and the
 * test would prove nothing. So an unknown key is a `TypeError` that suggests the intended name, and an
 * array or a primitive where an options object belongs is refused rather than read as "all defaults".
 *
 * A small copy of the rule `@latchkey/core` follows: this kit must not depend on the verifier it tests.
 */

/** Names people bring from other libraries (jose, nock, msw) or from this kit's other functions, mapped to ours. */
const ALIASES: Readonly<Record<string, string>> = {
  expiresIn: 'expiresInSeconds',
  exp: 'expiresInSeconds',
  ttl: 'expiresInSeconds',
  notBefore: 'notBeforeInSeconds',
  nbf: 'notBeforeInSeconds',
  age: 'ageSeconds',
  algorithm: 'algorithms',
  alg: 'signingAlg',
  headers: 'header',
  header: 'headers',
  delay: 'delayMs',
  timeout: 'delayMs',
  statusCode: 'status',
  keepOld: 'keepPrevious',
};

/** True for an object that can hold options or members: not `null`, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a refused value is named in a message: `null`, `an array`, `a string`... */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? type : `a ${type}`;
}

/**
 * Throws a `TypeError` unless `value` is an options object whose own keys are all in `known`, e.g.
 * `createTokenFactory: unknown option "expiresIn" in options; did you mean "expiresInSeconds"?`. `fn` names
 * the function, `what` the object (`options`, `the response object`). Callers let `undefined` through
 * themselves, where the argument is optional.
 */
export function assertOptions<T>(value: T, known: readonly string[], fn: string, what = 'options'): asserts value is T & object {
  if (!isRecord(value)) throw new TypeError(`${fn}: ${what} must be an object, got ${kindOf(value)}`);
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = closestKnown(key, known);
    const hint = suggestion === undefined ? `; known options: ${known.map((name) => `"${name}"`).join(', ')}` : `; did you mean "${suggestion}"?`;
    throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)} in ${what}${hint}`);
  }
}

/** The known name the user most likely meant: an alias, else the best-scoring known name within typo range. */
export function closestKnown(key: string, known: readonly string[]): string | undefined {
  const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
  if (alias !== undefined && known.includes(alias)) return alias;
  const lower = key.toLowerCase();
  // Up to a third of the name (at least 2 edits) counts as a typo; further off is another name.
  const limit = Math.max(2, Math.ceil(key.length / 3));
  // Score 0: the same name in another case, or the start of a known one (`ageSecond`, `keepPrev`: a unit or
  // a word left out); else the edit distance. The first best in `known` order wins.
  const score = (name: string): number => {
    const candidate = name.toLowerCase();
    return candidate === lower || (lower.length >= 4 && candidate.startsWith(lower)) ? 0 : editDistance(lower, candidate);
  };
  return known
    .map((name) => ({ name, score: score(name) }))
    .filter((entry) => entry.score <= limit)
    .reduce<{ name: string; score: number } | undefined>((best, entry) => (best === undefined || entry.score < best.score ? entry : best), undefined)?.name;
}

/** Levenshtein distance (insert, delete, substitute) over the whole table: inputs are short option names. */
function editDistance(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      table[i]![j] = Math.min(table[i - 1]![j]! + 1, table[i]![j - 1]! + 1, table[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return table[a.length]![b.length]!;
}
