import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { outcomes, type OperationOutcomeError } from '@lloyd/fhir';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { AUTH_CLOCK, type Clock } from './clock.js';
import { EmbeddedIssuer } from './embedded-issuer.js';
import { ExpiringLru } from './expiring-lru.js';
import { splitScopes } from './scopes.js';
import { trustedIssuers, type TrustedIssuer } from './trusted-issuers.js';
import { REASONS_FOR_REQUEST, type ReasonForRequest, type VerifiedToken } from './verified-token.js';

/** Tokens longer than this are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'jti', 'sub', 'scope', 'requesting_organization'];
const ODS_CODE = /^[A-Z0-9]{3,10}$/;

const fail = (reason: string): OperationOutcomeError => outcomes.unauthenticated(reason);

/**
 * Verifies bearer access tokens against the trusted issuers (config `auth.issuers` and the embedded issuer).
 * Every failure is a 401 OperationOutcome with a specific reason; the token itself never appears in it.
 * Successful verifications are cached by the token's SHA-256 until the token expires.
 */
@Injectable()
export class TokenVerifier {
  private readonly issuers: Map<string, TrustedIssuer>;
  private readonly cache: ExpiringLru<VerifiedToken>;
  private readonly clock: Clock;
  private readonly tolerance: number;
  private readonly maxLifetime: number;

  constructor(
    @Inject(LLOYD_CONFIG) config: LloydConfig,
    embedded: EmbeddedIssuer,
    @Optional() @Inject(AUTH_CLOCK) clock?: Clock,
  ) {
    this.issuers = trustedIssuers(config, embedded);
    this.cache = new ExpiringLru(config.auth.verifiedTokenCacheSize);
    this.clock = clock ?? Date.now;
    this.tolerance = config.auth.clockToleranceSeconds;
    this.maxLifetime = config.auth.maxTokenLifetimeSeconds;
  }

  /** Verifies a compact JWS access token; throws a 401 `OperationOutcomeError` when it is not acceptable. */
  async verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token.length === 0) throw fail('missing bearer token');
    if (token.length > MAX_TOKEN_LENGTH) throw fail(`token too large: the limit is ${MAX_TOKEN_LENGTH} bytes`);
    const now = this.clock();
    const cacheKey = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(cacheKey, now);
    if (cached) return cached;

    const issuer = this.chooseIssuer(token);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: [...issuer.algorithms],
        clockTolerance: this.tolerance,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(now),
      }));
    } catch (err) {
      throw fail(reasonFor(err));
    }
    const verified = this.checkClaims(payload, now);
    this.cache.set(cacheKey, verified, verified.expiresAt);
    return verified;
  }

  /** Reads the unverified header and `iss` only to pick the issuer whose keys and rules then apply. */
  private chooseIssuer(token: string): TrustedIssuer {
    if (token.split('.').length !== 3) throw fail('malformed token: expected a signed JWT (header.payload.signature)');
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw fail('malformed token: the header or payload is not base64url-encoded JSON');
    }
    if (typeof iss !== 'string') throw fail('missing claim iss');
    const issuer = this.issuers.get(iss);
    if (!issuer)
      throw fail(
        'token issuer is not trusted: get a token from a trusted issuer (see /.well-known/smart-configuration)',
      );
    if (typeof alg !== 'string' || !(issuer.algorithms as readonly string[]).includes(alg)) {
      throw fail(`algorithm not allowed: this issuer may sign with ${issuer.algorithms.join(', ')} only`);
    }
    return issuer;
  }

  private checkClaims(claims: JWTPayload, now: number): VerifiedToken {
    const { iat, exp } = claims as { iat: number; exp: number };
    if (exp - iat > this.maxLifetime) throw fail(`token lifetime exceeds ${this.maxLifetime} seconds`);
    if (iat > now / 1000 + this.tolerance) throw fail('token is not yet valid: it was issued in the future');
    const sub = nonEmptyString(claims, 'sub');
    const jti = nonEmptyString(claims, 'jti');
    const scope = stringClaim(claims, 'scope');
    const organisation = nonEmptyString(claims, 'requesting_organization');
    if (!ODS_CODE.test(organisation)) throw fail('claim requesting_organization must be an ODS code');
    const verified: VerifiedToken = {
      issuer: claims.iss!,
      subject: sub,
      clientId: optionalString(claims, 'client_id') ?? optionalString(claims, 'azp') ?? sub,
      organisation,
      scopes: splitScopes(scope),
      jti,
      expiresAt: exp * 1000,
      claims,
    };
    const practitioner = optionalString(claims, 'requesting_practitioner');
    if (practitioner) verified.practitioner = practitioner;
    const reason = optionalString(claims, 'reason_for_request');
    if (reason && (REASONS_FOR_REQUEST as readonly string[]).includes(reason))
      verified.reason = reason as ReasonForRequest;
    const reasonText = optionalString(claims, 'reason_text');
    if (reasonText) verified.reasonText = reasonText;
    return verified;
  }
}

function stringClaim(claims: JWTPayload, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string') throw fail(`claim ${name} must be a string`);
  return value;
}

function nonEmptyString(claims: JWTPayload, name: string): string {
  const value = stringClaim(claims, name);
  if (value.trim() === '') throw fail(`claim ${name} must not be empty`);
  return value;
}

function optionalString(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Turns a jose failure into a reason a client developer can act on, without echoing token content. */
function reasonFor(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired: get a new access token';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `missing claim ${err.claim}`;
    switch (err.claim) {
      case 'aud':
        return 'audience not accepted: the token was not issued for Lloyd';
      case 'iss':
        return 'token issuer is not trusted';
      case 'nbf':
        return 'token is not yet valid (nbf is in the future)';
      case 'iat':
        return 'token is not yet valid: it was issued in the future';
      default:
        return `claim ${err.claim} is invalid`;
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "signing key not found in the issuer's JWKS";
  if (err instanceof errors.JWKSMultipleMatchingKeys) return "signing key is ambiguous in the issuer's JWKS: set a kid";
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JOSENotSupported) return 'algorithm or key type not supported';
  if (err instanceof errors.JWKSTimeout) return "the issuer's JWKS could not be fetched in time; try again";
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed token';
  if (err instanceof errors.JWKSInvalid || err instanceof errors.JOSEError || err instanceof TypeError) {
    return "the issuer's JWKS could not be fetched or used; try again later";
  }
  return 'token could not be verified';
}
