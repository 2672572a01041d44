export { AuthModule } from './auth.module.js';
export { AuthGuard } from './auth.guard.js';
export {
  CurrentToken,
  IS_PUBLIC,
  PATIENT_DATA_ACCESS,
  PatientDataAccess,
  Public,
  REQUIRED_SCOPES,
  RequireScopeOnTypeParameter,
  RequireScopes,
  RequireScopesFrom,
  tokenOf,
  VERIFIED_TOKEN,
  type ScopeDemandsOf,
  type ScopedRequest,
} from './decorators.js';
export { GUARD_REFUSAL, guardRefusalOf, type GuardRefusal, type GuardRefusalRule } from './guard-refusal.js';
export { insufficientScope, type ScopeDemand } from './insufficient-scope.js';
export { AUTH_CLOCK, type Clock } from './clock.js';
export { EmbeddedIssuer, type IssuedToken, type TokenGrant } from './embedded-issuer.js';
export {
  acceptedBaseUrls,
  ExchangeClientAssertion,
  JWT_BEARER_ASSERTION,
  MAX_ASSERTION_LIFETIME_SECONDS,
  TOKEN_PATH,
  type ExchangeContext,
  type ListeningAddress,
  type TokenResponse,
} from './exchange-client-assertion.js';
export { oauthError, oauthErrorCode, type OAuthErrorCode } from './oauth-error.js';
export {
  assertValidRequirement,
  grantsRead,
  grantsSearch,
  onlyPatientContextCovers,
  parseScope,
  RECORD_ACCESS_CONTEXTS,
  RESTRICTED_RESOURCE_TYPES,
  satisfiesRequirement,
  scopeCovers,
  scopeToAskFor,
  splitScopes,
  type ParsedScope,
  type Permission,
  type ScopeContext,
  type ScopeRequirement,
} from './scopes.js';
export { JWKS_PATH, smartConfiguration, type SmartConfiguration } from './smart-configuration.js';
export {
  STORED_SECRET_CHECK_DEFAULT_MS,
  STORED_SECRET_CHECK_MS,
  StoredSecrets,
  type KeptSecret,
  type StoredSecretSpec,
  type StoredSecretsOptions,
} from './stored-secrets.js';
export { MAX_TOKEN_LENGTH, TokenVerifier } from './token-verifier.js';
export type { SigningAlgorithm, TrustedIssuer } from './trusted-issuers.js';
export { REASONS_FOR_REQUEST, type ReasonForRequest, type VerifiedToken } from './verified-token.js';
