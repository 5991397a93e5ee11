/**
 * The OpenAPI 3.1 description of the issuer's endpoints, built from the configured paths and options (so
 * it says what this issuer really answers), and shipped for the defaults as `@latchkey/issuer/openapi.json`.
 * `test/openapi.test.ts` drives the real endpoints and validates every response against it.
 */
import type { IssuerPaths } from './options.js';

/** What the document depends on. */
export interface OpenApiSettings {
  readonly paths: Readonly<IssuerPaths>;
  readonly tokenStyle: 'pair' | 'sliding';
  readonly usernameField: string;
  /** Cookie mode: its cookie and CSRF header names. */
  readonly refreshCookie?: { readonly name: string; readonly csrfHeader: string } | undefined;
  readonly loginLimits: boolean;
  /** False for HMAC keys: no JWKS is served. */
  readonly jwks: boolean;
}

type Json = Record<string, unknown>;
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const header = (name: string): Json => ({ $ref: `#/components/headers/${name}` });
const NO_STORE = { 'Cache-Control': header('CacheControl'), Pragma: header('Pragma') };

function jsonResponse(description: string, schema: Json, headers: Json = {}): Json {
  return { description, headers: { ...NO_STORE, ...headers }, content: { 'application/json': { schema } } };
}

function strings(...names: string[]): Json {
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, { type: 'string', minLength: 1 }])),
    required: names,
    additionalProperties: false,
  };
}

/** The errors every POST route can answer. */
function common(settings: OpenApiSettings, route: 'obtain' | 'refresh' | 'verify' | 'blacklist'): Json {
  const cookieRoute = settings.refreshCookie !== undefined && route !== 'verify';
  return {
    '400': jsonResponse(
      "A missing or invalid field, a body that is not JSON or a dictionary, or a body over the size limit (DRF's bodies).",
      ref('BadRequest'),
    ),
    '401':
      route === 'obtain'
        ? jsonResponse('Wrong credentials, or an unknown or inactive user.', ref('Detail'), { 'WWW-Authenticate': header('WWWAuthenticate') })
        : jsonResponse(
            "The token is invalid, expired, of the wrong type, or blacklisted (simplejwt's `token_not_valid`), or its user is inactive.",
            ref('TokenNotValid'),
            { 'WWW-Authenticate': header('WWWAuthenticate'), ...(cookieRoute && route === 'refresh' ? { 'Set-Cookie': header('SetCookieOptional') } : {}) },
          ),
    ...(cookieRoute ? { '403': jsonResponse('Cookie mode: the request failed the CSRF checks (Origin, Sec-Fetch-Site, custom header).', ref('Refusal')) } : {}),
    '415': jsonResponse('A body that is neither JSON nor form-encoded.', ref('Detail')),
    ...(route === 'obtain' && settings.loginLimits
      ? { '429': jsonResponse('A login limit holds.', ref('Refusal'), { 'Retry-After': header('RetryAfter') }) }
      : {}),
    '500': jsonResponse('The user source or the store failed unexpectedly.', ref('Detail')),
    '503': jsonResponse('The store (or the login limiter store) is unreachable; nothing was written.', ref('Refusal'), { 'Retry-After': header('RetryAfter') }),
  };
}

function body(schema: Json): Json {
  return { required: false, content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } } };
}

// Any other method gets DRF's 405 (described once, on GET: an OpenAPI path item has no "other methods").
const NOT_ALLOWED: Json = {
  summary: 'Not allowed: any method but the ones listed',
  responses: { '405': jsonResponse("DRF's body, with `Allow`.", ref('Detail'), { Allow: header('Allow') }) },
};

function options(cookieRoute: boolean): Json {
  return {
    summary: 'DRF metadata' + (cookieRoute ? ', or the CORS preflight of an allowed origin' : ''),
    responses: {
      '200': jsonResponse("DRF's metadata for the view.", ref('Metadata'), { Allow: header('Allow') }),
      ...(cookieRoute ? { '204': { description: 'CORS preflight (allow headers only for an allowed origin).', headers: { Vary: header('Vary') } } } : {}),
    },
  };
}

/** The answers of a session route that every one of them can give: bearer refusals and store failures. */
function sessionErrors(): Json {
  return {
    '401': jsonResponse(
      'No access token in `Authorization: Bearer`, a malformed header, or a token that is invalid, expired, of the wrong type or revoked ' +
        "(its id denylisted, its session revoked, over or logged out everywhere): simplejwt's bodies.",
      ref('BearerRefusal'),
      { 'WWW-Authenticate': header('WWWAuthenticateBearer') },
    ),
    '500': jsonResponse('The store failed unexpectedly.', ref('Detail')),
    '503': jsonResponse('The store is unreachable, or (logout everywhere) its epoch table is full; nothing was written.', ref('Refusal'), {
      'Retry-After': header('RetryAfter'),
    }),
  };
}

/** The opt-in session routes, those that are on; each is authenticated by an access token, never a cookie. */
function sessionRoutes(paths: Readonly<IssuerPaths>): Json {
  const security = { security: [{ accessToken: [] }] };
  const routes: Json = {};
  if (paths.sessions !== false) {
    routes[paths.sessions] = {
      get: {
        operationId: 'listSessions',
        summary: "The caller's live sessions, newest first",
        ...security,
        responses: { '200': jsonResponse('The sessions; the one of the presented token is `current`.', ref('SessionList')), ...sessionErrors() },
      },
      post: NOT_ALLOWED,
      options: options(false),
    };
  }
  if (paths.sessionRevoke !== false) {
    routes[paths.sessionRevoke] = {
      post: {
        operationId: 'revokeSession',
        summary: "Revoke one of the caller's sessions (its refresh and access tokens)",
        ...security,
        requestBody: body(strings('session')),
        responses: {
          '200': jsonResponse('Revoked (also when it was revoked already).', ref('Empty')),
          '400': jsonResponse(
            "A missing or blank `session`, a body that is not JSON or a dictionary, or one over the size limit (DRF's bodies).",
            ref('BadRequest'),
          ),
          '404': jsonResponse('The caller has no such session.', ref('Detail')),
          '415': jsonResponse('A body that is neither JSON nor form-encoded.', ref('Detail')),
          ...sessionErrors(),
        },
      },
      get: NOT_ALLOWED,
      options: options(false),
    };
  }
  if (paths.logoutAll !== false) {
    routes[paths.logoutAll] = {
      post: {
        operationId: 'logoutEverywhere',
        summary: 'Log the caller out everywhere: every session until now, this one included (no body)',
        ...security,
        responses: { '200': jsonResponse('How many live sessions were revoked.', ref('Revoked')), ...sessionErrors() },
      },
      get: NOT_ALLOWED,
      options: options(false),
    };
  }
  return routes;
}

const anySessionRoute = (paths: Readonly<IssuerPaths>): boolean => paths.sessions !== false || paths.sessionRevoke !== false || paths.logoutAll !== false;

/** The schemas and headers only the session routes use (left out of a document without them). */
const SESSION_SCHEMAS: Json = {
  BearerRefusal: {
    type: 'object',
    properties: {
      detail: { type: 'string' },
      code: { enum: ['token_not_valid', 'bad_authorization_header'] },
      messages: {
        type: 'array',
        items: {
          type: 'object',
          properties: { token_class: { type: 'string' }, token_type: { type: 'string' }, message: { type: 'string' } },
          required: ['token_class', 'token_type', 'message'],
          additionalProperties: false,
        },
      },
    },
    required: ['detail'],
    additionalProperties: false,
  },
  SessionList: {
    type: 'object',
    properties: {
      sessions: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            session: { type: 'string', minLength: 1, description: 'The session id (the `fam` claim of its tokens).' },
            created: { type: 'string', format: 'date-time', description: 'The login.' },
            last_used: { type: 'string', format: 'date-time', description: 'The last login or refresh.' },
            expires: { type: 'string', format: 'date-time', description: 'When its refresh token expires.' },
            user_agent: { type: ['string', 'null'], description: 'The `User-Agent` of the login.' },
            client_address: { type: ['string', 'null'], description: "The login's client address, as the framework's proxy settings see it." },
            current: { type: 'boolean', description: "The presented access token's session." },
          },
          required: ['session', 'created', 'last_used', 'expires', 'user_agent', 'client_address', 'current'],
          additionalProperties: false,
        },
      },
    },
    required: ['sessions'],
    additionalProperties: false,
  },
  Revoked: {
    type: 'object',
    properties: { revoked: { type: 'integer', minimum: 0 } },
    required: ['revoked'],
    additionalProperties: false,
  },
};
const SESSION_HEADERS: Json = {
  WWWAuthenticateBearer: {
    description: 'The Bearer challenge (RFC 6750 §3), with the error code when a token or header was refused.',
    required: true,
    schema: { type: 'string', pattern: '^Bearer realm="[^"]*"(, error="(invalid_request|invalid_token)"(, error_description="[^"]*")?)?$' },
  },
};

/** Builds the document for one issuer's settings. */
export function openApiDocument(settings: OpenApiSettings): Json {
  const cookie = settings.refreshCookie;
  const sliding = settings.tokenStyle === 'sliding';
  const sessions = anySessionRoute(settings.paths);
  const cookieSecurity = cookie === undefined ? {} : { security: [{ refreshCookie: [], csrfHeader: [] }] };
  const setCookie = cookie === undefined ? {} : { 'Set-Cookie': header('SetCookie') };
  const paths: Json = {};
  const tokens = sliding ? strings('token') : cookie === undefined ? strings('refresh', 'access') : strings('access');
  paths[settings.paths.obtain] = {
    post: {
      operationId: 'obtainToken',
      summary: sliding ? 'Log in: credentials for a sliding token' : 'Log in: credentials for a token pair',
      ...(cookie === undefined ? {} : { security: [{ csrfHeader: [] }] }),
      requestBody: body(strings(settings.usernameField, 'password')),
      responses: {
        '200': jsonResponse(cookie === undefined ? 'The tokens.' : 'The access token; the refresh token is in Set-Cookie.', tokens, setCookie),
        ...common(settings, 'obtain'),
      },
    },
    get: NOT_ALLOWED,
    options: options(cookie !== undefined),
  };
  const refreshAnswer = sliding
    ? strings('token')
    : cookie === undefined
      ? {
          type: 'object',
          properties: { access: { type: 'string', minLength: 1 }, refresh: { type: 'string', minLength: 1 } },
          required: ['access'],
          additionalProperties: false,
        }
      : strings('access');
  paths[settings.paths.refresh] = {
    post: {
      operationId: 'refreshToken',
      summary: sliding ? 'A sliding token for a new one (same jti)' : 'A refresh token for an access token (and, rotating, a successor)',
      ...cookieSecurity,
      ...(cookie === undefined ? { requestBody: body(strings(sliding ? 'token' : 'refresh')) } : {}),
      responses: {
        '200': jsonResponse('The new tokens.', refreshAnswer, cookie === undefined ? {} : { 'Set-Cookie': header('SetCookieOptional') }),
        ...common(settings, 'refresh'),
      },
    },
    get: NOT_ALLOWED,
    options: options(cookie !== undefined),
  };
  if (settings.paths.verify !== false) {
    paths[settings.paths.verify] = {
      post: {
        operationId: 'verifyToken',
        summary: 'Is this access token valid and not revoked?',
        requestBody: body(strings('token')),
        responses: { '200': jsonResponse('Valid.', ref('Empty')), ...common(settings, 'verify') },
      },
      get: NOT_ALLOWED,
      options: options(false),
    };
  }
  if (settings.paths.blacklist !== false) {
    paths[settings.paths.blacklist] = {
      post: {
        operationId: 'blacklistToken',
        summary: "Log out: revoke the refresh token's family",
        ...cookieSecurity,
        ...(cookie === undefined ? { requestBody: body(strings('refresh')) } : {}),
        responses: { '200': jsonResponse('Revoked.', ref('Empty'), setCookie), ...common(settings, 'blacklist') },
      },
      get: NOT_ALLOWED,
      options: options(cookie !== undefined),
    };
  }
  Object.assign(paths, sessionRoutes(settings.paths));
  if (settings.jwks && settings.paths.jwks !== false) {
    const jwks = {
      description: 'The public keys (RFC 7517 §5).',
      headers: { 'Cache-Control': header('CacheControl') },
      content: { 'application/jwk-set+json': { schema: ref('JwkSet') } },
    };
    paths[settings.paths.jwks] = {
      get: { operationId: 'getJwks', summary: 'The JWK Set of the signing keys', responses: { '200': jwks } },
      post: NOT_ALLOWED,
      head: {
        operationId: 'headJwks',
        summary: "The JWK Set's headers",
        responses: { '200': { description: 'As GET, without a body.', headers: { 'Cache-Control': header('CacheControl') } } },
      },
      options: { summary: 'Allowed methods', responses: { '200': { description: 'Allow.', headers: { Allow: header('Allow') } } } },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Latchkey issuer', version: '1', description: "djangorestframework-simplejwt's token endpoints, as served by @latchkey/issuer." },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: {
        ...(sessions ? SESSION_SCHEMAS : {}),
        Detail: { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'], additionalProperties: false },
        Refusal: {
          type: 'object',
          properties: { detail: { type: 'string' }, code: { enum: ['csrf_failed', 'throttled', 'service_unavailable'] } },
          required: ['detail', 'code'],
          additionalProperties: false,
        },
        TokenNotValid: {
          oneOf: [
            {
              type: 'object',
              properties: { detail: { type: 'string' }, code: { const: 'token_not_valid' } },
              required: ['detail', 'code'],
              additionalProperties: false,
            },
            ref('Detail'),
          ],
        },
        BadRequest: {
          oneOf: [
            ref('Detail'),
            {
              type: 'object',
              minProperties: 1,
              not: { required: ['detail'] },
              additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
            },
          ],
        },
        Empty: { type: 'object', maxProperties: 0 },
        Metadata: {
          type: 'object',
          properties: { name: { type: 'string' }, renders: { type: 'array', items: { type: 'string' } }, parses: { type: 'array', items: { type: 'string' } } },
          required: ['name', 'renders', 'parses'],
        },
        JwkSet: {
          type: 'object',
          properties: {
            keys: {
              type: 'array',
              items: {
                type: 'object',
                properties: { kty: { type: 'string' }, kid: { type: 'string' }, alg: { type: 'string' }, use: { const: 'sig' } },
                required: ['kty', 'kid'],
                not: { anyOf: [{ required: ['d'] }, { required: ['p'] }, { required: ['k'] }] },
              },
            },
          },
          required: ['keys'],
        },
      },
      headers: {
        ...(sessions ? SESSION_HEADERS : {}),
        CacheControl: { description: 'Token responses are never stored (RFC 6749 §5.1); the JWKS is cacheable.', required: true, schema: { type: 'string' } },
        Pragma: { required: true, schema: { const: 'no-cache' } },
        WWWAuthenticate: { description: 'The Bearer challenge (RFC 6750 §3).', required: true, schema: { type: 'string', pattern: '^Bearer realm="[^"]*"$' } },
        Allow: { required: true, schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait (RFC 9110 §10.2.3).', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } },
        Vary: { required: true, schema: { type: 'string' } },
        SetCookie: { description: 'The refresh cookie: set on login, cleared on logout.', required: true, schema: { type: 'string' } },
        SetCookieOptional: { description: 'A rotated refresh cookie, or its removal when the token is refused.', required: false, schema: { type: 'string' } },
      },
      ...(cookie === undefined && !sessions
        ? {}
        : {
            securitySchemes: {
              ...(sessions ? { accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (`typ: at+jwt`).' } } : {}),
              ...(cookie === undefined
                ? {}
                : {
                    refreshCookie: { type: 'apiKey', in: 'cookie', name: cookie.name, description: 'The HttpOnly refresh cookie.' },
                    csrfHeader: {
                      type: 'apiKey',
                      in: 'header',
                      name: cookie.csrfHeader,
                      description: 'Any non-empty value; with an allowed Origin (CSRF checks).',
                    },
                  }),
            },
          }),
    },
  };
}
