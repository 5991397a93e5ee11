/** Authorization rules (scopes and claims): their builders, their shape check and their evaluation. */
import { missingCredentials } from './bearer.js';
import { LatchkeyError } from './errors.js';
import { own } from './own.js';
import type { JwtPayload, VerifiedToken } from './types.js';

/**
 * An authorization rule over a verified token: a scope requirement or a claim check. Rules are plain data
 * plus a test, built once (at route definition) and evaluated per request. Use them:
 * - on a route, through an adapter's guard (failures answer 403: the token is valid but not enough);
 * - on the verifier, through its `rules` option (claim failures answer 401: the token is not for this API).
 */
export type Rule<Payload extends JwtPayload = JwtPayload> = ScopeRule | ClaimRule<Payload>;

/** A scope requirement: every one (`all`) or at least one (`any`) of `scopes`. Made by `requireScopes` and `requireAnyScope`. */
export interface ScopeRule {
  readonly kind: 'scope';
  readonly mode: 'all' | 'any';
  readonly scopes: readonly string[];
}

/** A claim requirement: `test` decides. Made by `claimEquals`, `claimIncludes` and `claimCheck`. */
export interface ClaimRule<Payload extends JwtPayload = JwtPayload> {
  readonly kind: 'claim';
  /** The claim the rule reads, for messages and `error.claim`. */
  readonly claim: string | undefined;
  /** What the rule requires, in words, for the error message (never echoes token values). */
  readonly description: string;
  readonly test: (payload: Payload, auth: VerifiedToken<Payload>) => boolean | Promise<boolean>;
}

function scopeList(scopes: ReadonlyArray<string | readonly string[]>, name: string): string[] {
  const list = scopes.flat().flatMap((scope) => {
    if (typeof scope !== 'string') throw new TypeError(`${name}: scopes must be strings`);
    return scope.split(' ').filter(Boolean);
  });
  if (list.length === 0) throw new TypeError(`${name}: name at least one scope`);
  return list;
}

/**
 * Requires every one of the scopes (all-of). Reads `scope` (space-delimited), `scp` (array or
 * space-delimited string) and `permissions` (array). Matching is exact: `read:itemsX` is not `read:items`.
 *
 * @example requireScopes('read:items', 'write:items')
 */
export function requireScopes(...scopes: Array<string | readonly string[]>): ScopeRule {
  return Object.freeze({ kind: 'scope', mode: 'all', scopes: Object.freeze(scopeList(scopes, 'requireScopes')) });
}

/**
 * Requires at least one of the scopes (any-of).
 *
 * @example requireAnyScope('admin', 'read:items')
 */
export function requireAnyScope(...scopes: Array<string | readonly string[]>): ScopeRule {
  return Object.freeze({ kind: 'scope', mode: 'any', scopes: Object.freeze(scopeList(scopes, 'requireAnyScope')) });
}

/**
 * Requires `claim` to equal `value` (strict equality; for strings, numbers, booleans and null).
 *
 * @example claimEquals('org_id', 'acme')
 */
export function claimEquals<Payload extends JwtPayload = JwtPayload>(claim: string, value: string | number | boolean | null): ClaimRule<Payload> {
  if (typeof claim !== 'string' || claim === '') throw new TypeError('claimEquals: the claim name must be a non-empty string');
  return Object.freeze({
    kind: 'claim',
    claim,
    description: `the "${claim}" claim does not have the required value`,
    test: (payload: Payload) => own(payload, claim) === value,
  });
}

/**
 * Requires `claim` (an array, or a space-delimited string) to include every one of `values`.
 *
 * @example claimIncludes('roles', 'editor')
 */
export function claimIncludes<Payload extends JwtPayload = JwtPayload>(claim: string, ...values: Array<string | number | boolean>): ClaimRule<Payload> {
  if (typeof claim !== 'string' || claim === '') throw new TypeError('claimIncludes: the claim name must be a non-empty string');
  if (values.length === 0) throw new TypeError('claimIncludes: name at least one value');
  return Object.freeze({
    kind: 'claim',
    claim,
    description: `the "${claim}" claim does not include the required values`,
    test: (payload: Payload) => {
      const actual = own(payload, claim);
      const list: readonly unknown[] = Array.isArray(actual) ? actual : typeof actual === 'string' ? actual.split(' ') : [];
      return values.every((value) => list.includes(value));
    },
  });
}

/**
 * A custom check: `test` returns (or resolves to) true to allow. `description` is what the error says.
 *
 * @example claimCheck((payload) => payload.email_verified === true, 'the e-mail address is not verified')
 */
export function claimCheck<Payload extends JwtPayload = JwtPayload>(
  test: (payload: Payload, auth: VerifiedToken<Payload>) => boolean | Promise<boolean>,
  description = 'a claim check failed',
  claim?: string,
): ClaimRule<Payload> {
  if (typeof test !== 'function') throw new TypeError('claimCheck: the test must be a function');
  return Object.freeze({ kind: 'claim', claim, description, test });
}

/**
 * Checks, once at start-up, that `rules` is an array of rules made by the builders above (or
 * of the same shape). The one place the rule shape is checked: the verifier's `rules` option, every
 * adapter's `guard(...)` and Fastify's `config.auth.rules` all call it. Throws a `TypeError` prefixed with
 * `where`.
 */
export function checkRules(rules: unknown, where: string, { nonEmpty = false } = {}): asserts rules is ReadonlyArray<Rule<never>> {
  const hint = 'rules made by requireScopes, requireAnyScope, claimEquals, claimIncludes or claimCheck';
  if (!Array.isArray(rules)) throw new TypeError(`${where} must be an array of ${hint}`);
  if (nonEmpty && rules.length === 0) throw new TypeError(`${where}: pass one or more ${hint}`);
  rules.forEach((rule: unknown, index) => {
    if (!isRule(rule))
      throw new TypeError(
        `${where}: item ${index} is not a rule (${typeof rule === 'string' ? `the string ${JSON.stringify(rule)}; wrap scopes in requireScopes(...)` : `use ${hint}`})`,
      );
  });
}

function isRule(value: unknown): value is Rule<never> {
  if (typeof value !== 'object' || value === null) return false;
  const rule = value as Partial<ScopeRule> & Partial<ClaimRule>;
  if (rule.kind === 'scope') return (rule.mode === 'all' || rule.mode === 'any') && Array.isArray(rule.scopes) && rule.scopes.length > 0;
  return rule.kind === 'claim' && typeof rule.test === 'function' && typeof rule.description === 'string';
}

/** The scopes a token grants: the union of `scope`, `scp` and `permissions`. */
export function grantedScopes(payload: JwtPayload): Set<string> {
  const granted = new Set<string>();
  addScopes(granted, own(payload, 'scope'));
  addScopes(granted, own(payload, 'scp'));
  addScopes(granted, own(payload, 'permissions'));
  return granted;
}

function addScopes(into: Set<string>, value: unknown): void {
  if (typeof value === 'string') {
    for (const scope of value.split(' ')) if (scope !== '') into.add(scope);
  } else if (Array.isArray(value)) {
    for (const scope of value) if (typeof scope === 'string') into.add(scope);
  }
}

function scopeSatisfied(rule: ScopeRule, payload: JwtPayload): boolean {
  const granted = grantedScopes(payload);
  return rule.mode === 'all' ? rule.scopes.every((scope) => granted.has(scope)) : rule.scopes.some((scope) => granted.has(scope));
}

/**
 * Where a rule is enforced decides what its failure means (RFC 6750 §3.1): on a route, a valid token that
 * is not enough (403); on the verifier, a token that is not for this API (401). Scope failures are
 * `insufficient_scope` (403) in both places.
 */
export type RulePlacement = 'route' | 'verifier';

/**
 * Evaluates rules in order and throws the first failure as a {@link LatchkeyError}. Returns synchronously
 * when every rule is synchronous.
 */
export function enforceRules<Payload extends JwtPayload>(
  rules: ReadonlyArray<Rule<Payload>>,
  auth: VerifiedToken<Payload>,
  placement: RulePlacement = 'route',
): void | Promise<void> {
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    if (rule.kind === 'scope') {
      if (!scopeSatisfied(rule, auth.payload)) throw scopeError(rule);
      continue;
    }
    const outcome = rule.test(auth.payload, auth);
    if (typeof outcome === 'object' && outcome !== null && typeof (outcome as Promise<boolean>).then === 'function') {
      return (outcome as Promise<boolean>).then((passed) => {
        if (passed !== true) throw claimError(rule, placement);
        return enforceRules(rules.slice(index + 1), auth, placement);
      });
    }
    if (outcome !== true) throw claimError(rule, placement);
  }
}

/**
 * A route guard's whole decision, shared by the adapters: without a verified token (an optional route called
 * anonymously) it is 401 with a bare challenge; otherwise the rules decide (403 on failure).
 */
export function authorize<Payload extends JwtPayload>(
  auth: VerifiedToken<Payload> | undefined | null,
  rules: ReadonlyArray<Rule<Payload>>,
): void | Promise<void> {
  if (auth === undefined || auth === null) throw missingCredentials();
  return enforceRules(rules, auth, 'route');
}

function scopeError(rule: ScopeRule): LatchkeyError {
  const message = rule.mode === 'all' ? 'the token lacks a required scope' : 'the token has none of the accepted scopes';
  return new LatchkeyError('ERR_SCOPE_INSUFFICIENT', message, { scope: rule.scopes.join(' ') });
}

function claimError(rule: { readonly description: string; readonly claim: string | undefined }, placement: RulePlacement): LatchkeyError {
  return new LatchkeyError(placement === 'route' ? 'ERR_CLAIM_CHECK_FAILED' : 'ERR_JWT_CLAIM_INVALID', rule.description, { claim: rule.claim });
}
