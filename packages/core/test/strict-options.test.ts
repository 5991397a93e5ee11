import { describe, expect, it } from 'vitest';
import {
  claimCheck,
  createMultiIssuerVerifier,
  createVerifier,
  hmacSecrets,
  logEvents,
  oidcDiscovery,
  remoteJwks,
  requireScopes,
  staticKeys,
  type VerifierOptions,
} from '../src/index.js';
import { checkRules, createRequestAuthenticator, refuseUnknownKeys, type RequestReader } from '../src/adapter.js';
import { closestKnown } from '../src/internal/strict-options.js';
import { testKey } from './helpers/tokens.js';

const rsa = testKey('RS256');
const base: VerifierOptions = { keys: staticKeys([rsa.publicKey]), algorithms: ['RS256'], issuer: 'i', audience: 'a' };
const reader: RequestReader<unknown> = { rawHeaders: () => [], method: () => 'GET', path: () => '/' };

describe('refuseUnknownKeys: a misspelt option is a start-up TypeError naming it and the intended one', () => {
  it('writes the message the way the issue asks', () => {
    expect(() => refuseUnknownKeys({ rule: [] }, ['optional', 'rules'], 'config.auth')).toThrow(
      new TypeError('latchkey: unknown option "rule" in config.auth; did you mean "rules"?'),
    );
  });

  it.each([
    ['clockTolerance', 'clockToleranceSeconds'], // the name jose and Auth0 use
    ['maxTokenAge', 'maxTokenAgeSeconds'],
    ['maxAge', 'maxTokenAgeSeconds'],
    ['Audience', 'audience'], // another case
    ['algorithm', 'algorithms'],
    ['isrevoked', 'isRevoked'],
    ['tokenCahce', 'tokenCache'], // edit distance
    ['requireExp', 'requireExpiration'], // a prefix
  ])('suggests %s -> %s', (typo, meant) => {
    expect(
      closestKnown(typo, Object.keys({ ...base, clockToleranceSeconds: 0, maxTokenAgeSeconds: 0, isRevoked: 0, tokenCache: 0, requireExpiration: 0 })),
    ).toBe(meant);
  });

  it('lists the known options when nothing is close', () => {
    expect(() => refuseUnknownKeys({ zzz: 1 }, ['optional', 'rules'], 'config.auth')).toThrow('known options: "optional", "rules"');
  });

  it('refuses an array, which has no unknown keys but is no options object', () => {
    expect(() => refuseUnknownKeys([], ['optional'], 'config.auth')).toThrow('latchkey: config.auth must be an options object, not an array');
    expect(() => remoteJwks('https://idp.example.com/jwks', [] as never)).toThrow(/remoteJwks options must be an options object, not an array/);
  });

  it('counts a key set to undefined as written (the user still meant something)', () => {
    expect(() => refuseUnknownKeys({ optinal: undefined }, ['optional'], 'x')).toThrow(/"optinal"/);
  });
});

describe('every options object refuses unknown keys', () => {
  it('createVerifier: maxTokenAge and clockTolerance no longer switch a check off silently', () => {
    expect(() => createVerifier({ ...base, maxTokenAge: 300 } as never)).toThrow(
      'latchkey: unknown option "maxTokenAge" in createVerifier options; did you mean "maxTokenAgeSeconds"?',
    );
    expect(() => createVerifier({ ...base, clockTolerance: 30 } as never)).toThrow(/did you mean "clockToleranceSeconds"\?/);
  });

  it('tokenCache options', () => {
    expect(() => createVerifier({ ...base, tokenCache: { maxEntry: 5 } } as never)).toThrow(
      'latchkey: unknown option "maxEntry" in createVerifier options.tokenCache; did you mean "maxEntries"?',
    );
  });

  it('createMultiIssuerVerifier and each of its issuers', () => {
    const issuer = { issuer: 'https://a/', keys: base.keys, algorithms: base.algorithms, audience: 'a' };
    expect(() => createMultiIssuerVerifier({ issuers: [issuer], onEvents: () => {} } as never)).toThrow(
      'latchkey: unknown option "onEvents" in createMultiIssuerVerifier options; did you mean "onEvent"?',
    );
    expect(() => createMultiIssuerVerifier({ issuers: [issuer, { ...issuer, issuer: 'https://b/', audiences: 'a' }] } as never)).toThrow(
      'latchkey: unknown option "audiences" in createMultiIssuerVerifier options.issuers[1]; did you mean "audience"?',
    );
    // Shared options belong to the multi-issuer verifier, not to one issuer.
    expect(() => createMultiIssuerVerifier({ issuers: [{ ...issuer, maxTokenBytes: 10 }] } as never)).toThrow(
      /unknown option "maxTokenBytes" in createMultiIssuerVerifier options\.issuers\[0\]/,
    );
  });

  it('remoteJwks and oidcDiscovery', () => {
    expect(() => remoteJwks('https://idp.example.com/jwks', { cooldown: 5 } as never)).toThrow(
      'latchkey: unknown option "cooldown" in remoteJwks options; did you mean "cooldownMs"?',
    );
    expect(() => oidcDiscovery('https://idp.example.com/', { timeout: 5 } as never)).toThrow(
      'latchkey: unknown option "timeout" in oidcDiscovery options; did you mean "timeoutMs"?',
    );
  });

  it('staticKeys and hmacSecrets entries: a misspelt kid or alg is not dropped', async () => {
    expect(() => staticKeys([{ key: rsa.publicKey, kid: 'k1', algs: 'RS256' }] as never)).toThrow(
      'latchkey: unknown option "algs" in staticKeys entry #0; did you mean "alg"?',
    );
    expect(() =>
      hmacSecrets([
        { secret: 'x'.repeat(32), kid: 'a' },
        { secret: 'y'.repeat(32), kdi: 'b' },
      ] as never),
    ).toThrow('latchkey: unknown option "kdi" in hmacSecrets entry #1; did you mean "kid"?');
    // A JWK (set) is not an entry: its members (use, key_ops...) are the key's own.
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), use: 'sig', kid: 'k1' };
    await expect(createVerifier({ ...base, keys: staticKeys({ keys: [jwk] as never }) }).warm()).resolves.toBeUndefined();
    await expect(
      createVerifier({ ...base, keys: staticKeys([jwk as never, { key: rsa.publicKey, kid: 'k2', alg: 'RS256' }]) }).warm(),
    ).resolves.toBeUndefined();
  });

  it('logEvents options', () => {
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    expect(() => logEvents(logger, { level: 'warn' } as never)).toThrow('latchkey: unknown option "level" in logEvents options; did you mean "minLevel"?');
    expect(() => logEvents(logger, { minLevel: 'warn' })).not.toThrow();
  });

  it('the dpop, dpop.nonce and mtls options', () => {
    const make = (options: object) => () => createRequestAuthenticator({ verifier: base, ...options } as never, reader);
    const publicUrl = 'https://api.example.test';
    expect(make({ dpop: { publicUrl, mod: 'required' } })).toThrow('latchkey: unknown option "mod" in the dpop option; did you mean "mode"?');
    expect(make({ dpop: { publicUrl, nonce: { rotate: 60 } } })).toThrow(
      'latchkey: unknown option "rotate" in the dpop.nonce option; did you mean "rotateSeconds"?',
    );
    expect(make({ mtls: { header: 'x-client-cert' } })).toThrow('latchkey: unknown option "header" in the mtls option; did you mean "certificateHeader"?');
  });

  it("request authenticator (adapter) options, with the adapter's own name for them and extras", () => {
    expect(() => createRequestAuthenticator({ verifier: base, optinal: true } as never, reader)).toThrow(
      'latchkey: unknown option "optinal" in authenticate() options; did you mean "optional"?',
    );
    expect(() =>
      createRequestAuthenticator({ verifier: base, protect: true } as never, reader, { where: 'plugin options', extraOptions: ['protectRoutes'] }),
    ).toThrow('latchkey: unknown option "protect" in plugin options; did you mean "protectRoutes"?');
    expect(() => createRequestAuthenticator({ verifier: base, optional: 'yes' } as never, reader)).toThrow('"optional" must be a boolean');
  });
});

describe('checkRules: the one check of the rule shape, for the verifier and every adapter', () => {
  it('accepts what the builders make', () => {
    expect(() => checkRules([requireScopes('a'), claimCheck(() => true)], 'guard()', { nonEmpty: true })).not.toThrow();
  });

  it.each<[string, unknown, RegExp]>([
    ['not an array', requireScopes('a'), /guard\(\) must be an array/],
    ['a scope name', ['read'], /item 0 is not a rule \(the string "read"; wrap scopes in requireScopes/],
    ['a function', [() => true], /item 0 is not a rule/],
    ['a scope rule without a mode', [{ kind: 'scope', scopes: ['a'] }], /item 0 is not a rule/],
    ['a claim rule without a test', [{ kind: 'claim', description: 'x' }], /item 0 is not a rule/],
  ])('refuses %s', (_what, rules, message) => {
    expect(() => checkRules(rules, 'guard()')).toThrow(message);
  });

  it('refuses an empty list where rules are the point (a guard), not where they are optional', () => {
    expect(() => checkRules([], 'guard()', { nonEmpty: true })).toThrow(/pass one or more/);
    expect(() => checkRules([], 'rules')).not.toThrow();
  });

  it("is what the verifier's rules option runs", () => {
    expect(() => createVerifier({ ...base, rules: ['admin'] } as never)).toThrow(/createVerifier: "rules": item 0 is not a rule/);
    expect(() => createVerifier({ ...base, keys: hmacSecrets('x'.repeat(32)), algorithms: ['HS256'], rules: [requireScopes('a')] })).not.toThrow();
  });
});
