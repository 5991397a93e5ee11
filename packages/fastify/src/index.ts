/**
 * @latchkey/fastify: JWT bearer authorization for Fastify 5. Four steps, all from `@latchkey/core`:
 * extract the token, verify it, attach it as `request.auth`, hand failures (with `statusCode` and
 * `headers`) to Fastify's error handler. Routes opt in with `config.auth` (or the plugin's `protectRoutes`).
 *
 * @packageDocumentation
 */
import {
  claimCheck as coreClaimCheck,
  isLatchkeyError,
  type AuthErrorHandlerOptions,
  type ClaimRule,
  type JwtPayload,
  type RequestAuthOptions,
  type VerifiedToken,
} from '@latchkey/core';
import { authErrorRenderer } from '@latchkey/core/adapter';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export { claimEquals, claimIncludes, requireAnyScope, requireScopes, type Rule } from '@latchkey/core';
export { authenticate, guard, type AuthHook } from './hooks.js';
export { latchkey, latchkey as default, type LatchkeyPluginOptions, type RouteAuthConfig } from './plugin.js';

/** `claimCheck` of `@latchkey/core` (the very same function), its claims typed by {@link LatchkeyClaims} by default. */
export const claimCheck = coreClaimCheck as <Claims extends JwtPayload = LatchkeyClaims>(
  test: (payload: Claims, auth: VerifiedToken<Claims>) => boolean | Promise<boolean>,
  description?: string,
  claim?: string,
) => ClaimRule<Claims>;

/**
 * The claims your tokens carry. Augment it once and `request.auth.payload` and claim rules are typed:
 *
 * @example
 * declare module '@latchkey/fastify' {
 *   interface LatchkeyClaims { org_id: string }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: users augment it
export interface LatchkeyClaims extends JwtPayload {}

/** Options of {@link authenticate}: a verifier (or its options), `optional`, `getToken`, token locations, `realm`, `dpop`, `mtls`. */
export type AuthenticateOptions<Claims extends JwtPayload = LatchkeyClaims> = RequestAuthOptions<Claims, FastifyRequest>;

/**
 * An error handler that answers Latchkey errors with their status, the `WWW-Authenticate` challenge and a
 * small JSON body (`{ error, error_description }`; simplejwt's bodies with `{ body: 'simplejwt' }`), and hands every other error to the parent handler.
 * Optional: without it, Fastify's default handler sends the same status and header with its own JSON body.
 *
 * @example app.setErrorHandler(authErrorHandler());
 */
export function authErrorHandler(
  options?: AuthErrorHandlerOptions,
): (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const render = authErrorRenderer(options, 'authErrorHandler');
  return (error, _request, reply) => {
    if (!isLatchkeyError(error)) throw error;
    const rendered = render(error);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  };
}
