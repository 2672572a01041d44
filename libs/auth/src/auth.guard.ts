import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { outcomes } from '@lloyd/fhir';
import {
  IS_PUBLIC,
  PATIENT_DATA_ACCESS,
  REQUIRED_SCOPES,
  TYPE_PARAMETER_SCOPE,
  VERIFIED_TOKEN,
  type TypeParameterScope,
} from './decorators.js';
import { satisfiesRequirement } from './scopes.js';
import { TokenVerifier } from './token-verifier.js';
import type { VerifiedToken } from './verified-token.js';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Route parameters (Fastify has matched the route before guards run). */
  params?: Record<string, unknown>;
  [VERIFIED_TOKEN]?: VerifiedToken;
}

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The global guard. Deny by default: every route needs a verified bearer token unless it is marked `@Public()`;
 * then `@RequireScopes` (403 when not met) and `@PatientDataAccess` (400 when claims are missing) apply.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') throw new Error('AuthGuard only protects HTTP routes');
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true) return true;

    const request = context.switchToHttp().getRequest<HttpRequest>();
    const token = await this.verifier.verify(bearerToken(request));
    request[VERIFIED_TOKEN] = token;

    // Scope before claims: a token that may not read this type at all gets 403, not 400 for a missing claim.
    const required = [...this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, targets)];
    const byType = this.reflector.getAllAndOverride<TypeParameterScope | undefined>(TYPE_PARAMETER_SCOPE, targets);
    const type = byType ? request.params?.[byType.parameter] : undefined;
    if (byType && typeof type === 'string' && byType.types.has(type)) required.push(`${byType.permission}:${type}`);
    const missing = required.filter((r) => !satisfiesRequirement(token.scopes, r));
    if (missing.length > 0) throw outcomes.insufficientScope(missing.join(' '));

    if (this.reflector.getAllAndOverride<boolean | undefined>(PATIENT_DATA_ACCESS, targets) === true) {
      checkPatientDataClaims(token);
    }
    return true;
  }
}

function bearerToken(request: HttpRequest): string {
  const header = request.headers['authorization'];
  if (header === undefined || header === '') {
    throw outcomes.unauthenticated(
      'missing bearer token: send "Authorization: Bearer <access token>" (get one from POST /oauth2/token)',
    );
  }
  const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
  if (!match) throw outcomes.unauthenticated('the Authorization header must be "Bearer <access token>"');
  return match[1]!;
}

/** GP Connect treats missing or bad consumer claims as a bad request rather than an authentication failure. */
function checkPatientDataClaims(token: VerifiedToken): void {
  if (!token.practitioner) {
    throw outcomes.badRequest(
      'Bad or missing JWT claims: requesting_practitioner (the SDS user id of the person asking) is required to read patient records.',
    );
  }
  if (!token.reason) {
    throw outcomes.badRequest(
      'Bad or missing JWT claims: reason_for_request must be "directcare" or "emergency" to read patient records.',
    );
  }
  if (token.reason === 'emergency' && !token.reasonText) {
    throw outcomes.badRequest(
      'Bad or missing JWT claims: reason_text must explain emergency access (reason_for_request "emergency").',
    );
  }
}
