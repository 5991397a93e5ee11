/** The JWKS-fetching libraries compared in the `jwks` phase, each built fresh per test. */
import { createVerifier as fastJwtVerifier, type DecodedJwt } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import { core } from '../common/latchkey.js';
import { awsVerifier } from '../verify/aws-jwt-verify.js';
import { jwksRsaVerify } from '../verify/jwks-rsa.js';

/** A library that fetches a JWKS, built fresh (cold) for each test. */
export interface JwksContender {
  readonly id: string;
  readonly label: string;
  /**
   * Its limit on fetches for unknown `kid`s in the flood test, where it is set to `cooldownMs` through the
   * library's own option (the cold burst uses the library's defaults). `undefined`: the library has none.
   */
  cooldown(cooldownMs: number): string | undefined;
  /** Builds a fresh instance; `cooldownMs` given: the flood test's setting, else the library's defaults. */
  create(url: string, domain: string, cooldownMs?: number): (token: string) => Promise<unknown>;
}

const ALG = 'RS256';

export const JWKS_CONTENDERS: readonly JwksContender[] = [
  {
    id: 'latchkey',
    label: 'latchkey remoteJwks',
    cooldown: (ms) => `cooldownMs: ${ms}`,
    create(url, _domain, cooldownMs) {
      const keys = core.remoteJwks(url, cooldownMs === undefined ? undefined : { cooldownMs });
      const verifier = core.createVerifier({ keys, algorithms: [ALG], issuer: ISSUER, audience: AUDIENCE });
      return (token) => verifier.verify(token);
    },
  },
  {
    id: 'jose',
    label: 'jose createRemoteJWKSet',
    cooldown: (ms) => `cooldownDuration: ${ms}`,
    create(url, _domain, cooldownMs) {
      const keySet = createRemoteJWKSet(new URL(url), cooldownMs === undefined ? undefined : { cooldownDuration: cooldownMs });
      return (token) => jwtVerify(token, keySet, { issuer: ISSUER, audience: AUDIENCE, algorithms: [ALG] });
    },
  },
  {
    id: 'jwks-rsa',
    label: 'jwks-rsa (defaults) + jsonwebtoken',
    cooldown: () => undefined,
    create: (url) => jwksRsaVerify(ALG, url),
  },
  {
    id: 'jwks-rsa-ratelimit',
    label: 'jwks-rsa (rateLimit: true) + jsonwebtoken',
    cooldown: (ms) => `jwksRequestsPerMinute: ${60_000 / ms}`,
    create: (url, _domain, cooldownMs) =>
      jwksRsaVerify(ALG, url, cooldownMs === undefined ? { rateLimit: true } : { rateLimit: true, jwksRequestsPerMinute: 60_000 / cooldownMs }),
  },
  {
    id: 'aws-jwt-verify',
    label: 'aws-jwt-verify',
    cooldown: (ms) => `penalty box waitSeconds: ${ms / 1000}`,
    create(url, _domain, cooldownMs) {
      const verifier = awsVerifier(url, cooldownMs === undefined ? undefined : cooldownMs / 1000);
      return (token) => verifier.verify(token);
    },
  },
  {
    id: 'get-jwks',
    label: 'get-jwks + fast-jwt (as @fastify/jwt)',
    cooldown: () => undefined,
    create(_url, domain) {
      const getJwks = buildGetJwks();
      const verify = fastJwtVerifier({
        key: async (decoded: DecodedJwt) => getJwks.getPublicKey({ kid: decoded.header.kid as string, alg: decoded.header.alg as string, domain }),
        algorithms: [ALG],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
      });
      return (token) => verify(token);
    },
  },
];
