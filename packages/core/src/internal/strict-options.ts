/**
 * Refuses option keys nobody reads. A misspelt option is not a style problem here: `rule` for `rules`
 * or `maxTokenAge` for `maxTokenAgeSeconds` would silently switch a check off, so every options object
 * is checked once, at start-up, and an unknown key is a `TypeError` that suggests the intended name.
 */

/** Names people reach for from other libraries (jose, Auth0, express-jwt), mapped to ours. */
const ALIASES: Readonly<Record<string, string>> = {
  clockTolerance: 'clockToleranceSeconds',
  clockSkew: 'clockToleranceSeconds',
  leeway: 'clockToleranceSeconds',
  maxTokenAge: 'maxTokenAgeSeconds',
  maxAge: 'maxTokenAgeSeconds',
  iss: 'issuer',
  aud: 'audience',
  algorithm: 'algorithms',
  alg: 'algorithms',
  algs: 'algorithms',
  secret: 'keys',
  jwksUri: 'keys',
  jwksUrl: 'keys',
  scope: 'rules',
  scopes: 'rules',
  guards: 'rules',
  required: 'optional',
  credentialsRequired: 'optional',
  timeout: 'timeoutMs',
  cooldown: 'cooldownMs',
  cacheMaxAge: 'cacheMaxAgeMs',
  ttl: 'maxTtlSeconds',
  max: 'maxEntries',
  maxSize: 'maxEntries',
  header: 'certificateHeader',
  level: 'minLevel',
};

/**
 * Throws a `TypeError` for the first own key of `options` that is not in `known`, e.g.
 * `latchkey: unknown option "rule" in config.auth; did you mean "rules"?`. `where` names the object the
 * way the user wrote it (`createVerifier options`, `config.auth of GET /items`).
 */
export function refuseUnknownKeys(options: object, known: readonly string[], where: string): void {
  // An array has no unknown keys either, and would otherwise pass as "every option at its default".
  if (Array.isArray(options)) throw new TypeError(`latchkey: ${where} must be an options object, not an array`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closestKnown(key, known);
    const hint = suggestion === undefined ? `; known options: ${known.map((name) => `"${name}"`).join(', ')}` : `; did you mean "${suggestion}"?`;
    throw new TypeError(`latchkey: unknown option ${JSON.stringify(key)} in ${where}${hint}`);
  }
}

/** The known name the user most likely meant: a known alias, the same name in another case, or the nearest by edit distance. */
export function closestKnown(key: string, known: readonly string[]): string | undefined {
  const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
  if (alias !== undefined && known.includes(alias)) return alias;
  const lower = key.toLowerCase();
  const sameCase = known.find((name) => name.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  // A prefix of a known name (`maxTokenAge` -> `maxTokenAgeSeconds` without an alias) is a unit left out.
  const prefixed = known.find((name) => name.toLowerCase().startsWith(lower) && lower.length >= 4);
  if (prefixed !== undefined) return prefixed;
  let best: string | undefined;
  // Up to a third of the name (at least 3 edits) counts as a typo; further off is another name.
  let bestDistance = Math.max(3, Math.ceil(key.length / 3)) + 1;
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance (insert, delete, substitute), two rows at a time. Inputs are short option names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
