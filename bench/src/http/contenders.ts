/** The contenders of the HTTP phase, per framework: bare, floor, Latchkey and peers. */
export type Framework = 'express' | 'koa' | 'fastify';
export const FRAMEWORKS: readonly Framework[] = ['express', 'koa', 'fastify'];

export type HttpKind = 'bare' | 'floor' | 'latchkey' | 'peer';

export interface HttpContender {
  readonly id: string;
  readonly label: string;
  readonly kind: HttpKind;
  /** Why this server cannot take `alg` (a documented limit of the library), or undefined. */
  readonly unsupported?: (alg: string) => string | undefined;
}

const COMMON: readonly HttpContender[] = [
  { id: 'bare', label: 'bare framework (no auth)', kind: 'bare' },
  { id: 'floor', label: 'framework + crypto floor', kind: 'floor' },
  { id: 'latchkey', label: 'latchkey adapter, tokenCache: false', kind: 'latchkey' },
  { id: 'latchkey-cache', label: 'latchkey adapter, default options (token cache on)', kind: 'latchkey' },
];

/** The servers measured per framework: the ceiling, the floor, Latchkey, and that framework's peers. */
export const HTTP_CONTENDERS: Readonly<Record<Framework, readonly HttpContender[]>> = {
  express: [
    ...COMMON,
    { id: 'express-oauth2-jwt-bearer', label: 'express-oauth2-jwt-bearer', kind: 'peer' },
    { id: 'express-jwt', label: 'express-jwt + jwks-rsa', kind: 'peer' },
  ],
  koa: [...COMMON, { id: 'koa-jwt', label: 'koa-jwt + jwks-rsa', kind: 'peer' }],
  fastify: [
    ...COMMON,
    {
      id: 'fastify-jwt-jwks',
      label: 'fastify-jwt-jwks',
      kind: 'peer',
      unsupported: (alg) =>
        alg === 'RS256' || alg === 'EdDSA' ? undefined : 'fastify-jwt-jwks verifies RS256 and EdDSA only with a JWKS (and refuses an `algorithms` option)',
    },
    { id: 'fastify-jwt-get-jwks', label: '@fastify/jwt + get-jwks', kind: 'peer' },
  ],
};
