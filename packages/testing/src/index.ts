/**
 * @latchkey/testing: keys, a token factory, hostile-token helpers and a mock OpenID provider for testing
 * APIs protected by Latchkey (or by any JWT verifier).
 *
 * @packageDocumentation
 */
export {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  HMAC_SECRET_BYTES,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  type SigningAlgorithm,
} from './algorithms.js';
export {
  RSA_MODULUS_BITS,
  generateHmacSecret,
  generateSigningKey,
  isHmacSecret,
  type GenerateHmacSecretOptions,
  type GenerateSigningKeyOptions,
  type HmacSecret,
  type PublicJwk,
  type SigningKey,
  type TokenSigningKey,
} from './keys.js';
export {
  DEFAULT_EXPIRES_IN_SECONDS,
  DEFAULT_SCOPE,
  DEFAULT_SUBJECT,
  DEFAULT_TYP,
  createTokenFactory,
  type ClaimName,
  type SignOptions,
  type TokenClaims,
  type TokenFactory,
  type TokenFactoryOptions,
  type TokenHeader,
} from './token-factory.js';
export {
  encodeCompact,
  encodeUnsigned,
  signWithHeader,
  signWithPublicKeyAsSecret,
  tamperToken,
  type RawPart,
  type SignWithHeaderOptions,
  type SignWithPublicKeyAsSecretOptions,
  type TokenTampering,
} from './hostile.js';
export {
  DEFAULT_AUDIENCE,
  DISCOVERY_PATH,
  GARBAGE_BODY,
  JWKS_PATH,
  createMockIdp,
  type MockIdp,
  type MockIdpBehavior,
  type MockIdpEndpoint,
  type MockIdpOptions,
  type MockIdpRequest,
  type MockIdpResponse,
  type MockIdpStats,
  type RotateOptions,
  type SetBehaviorOptions,
} from './mock-idp.js';
