import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { outcomes } from '@lloyd/fhir';
import {
  IS_PUBLIC,
  PATIENT_DATA_ACCESS,
  REQUEST_SCOPES,
  REQUIRED_SCOPES,
  TYPE_PARAMETER_SCOPE,
  VERIFIED_TOKEN,
  type ScopeDemandsOf,
  type TypeParameterScope,
} from './decorators.js';
import { GUARD_REFUSAL, type GuardRefusal, type GuardRefusalRule } from './guard-refusal.js';
import { insufficientScope, type ScopeDemand } from './insufficient-scope.js';
import { satisfiesRequirement, type ScopeRequirement } from './scopes.js';
import { TokenVerifier } from './token-verifier.js';
import type { VerifiedToken } from './verified-token.js';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Route parameters (Fastify has matched the route before guards run). */
  params?: Record<string, unknown>;
  query?: unknown;
  body?: unknown;
  [VERIFIED_TOKEN]?: VerifiedToken;
  [GUARD_REFUSAL]?: GuardRefusal;
}

const BEARER = /^Bearer +(\S+)$/i;

/**
 * The global guard. Deny by default: every route needs a verified bearer token unless it is marked `@Public()`;
 * then `@RequireScopes`, `@RequireScopeOnTypeParameter` and `@RequireScopesFrom` (403 when not met) and, after them,
 * `@PatientDataAccess` (400 when claims are missing) apply. A refusal is also left on the request ({@link GuardRefusal})
 * for the exception filter that answers it.
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
    const byType = this.reflector.getAllAndOverride<TypeParameterScope | undefined>(TYPE_PARAMETER_SCOPE, targets);
    const type = byType ? request.params?.[byType.parameter] : undefined;
    const servedType = typeof type === 'string' && byType !== undefined && byType.types.has(type);
    // A type the route does not serve is the route's to answer (404): it reads no record, so the claims do not apply.
    const readsRecords =
      this.reflector.getAllAndOverride<boolean | undefined>(PATIENT_DATA_ACCESS, targets) === true &&
      (byType === undefined || servedType);
    const refused = <E>(rule: GuardRefusalRule, error: E): E => {
      request[GUARD_REFUSAL] = { rule, patientData: readsRecords };
      return error;
    };

    let token: VerifiedToken;
    try {
      token = await this.verifier.verify(bearerToken(request));
    } catch (err) {
      throw refused('unauthenticated', err);
    }
    request[VERIFIED_TOKEN] = token;

    // Scope before claims: a token that may not read this type at all gets 403, not 400 for a missing claim.
    const demands: ScopeDemand[] = this.reflector
      .getAllAndMerge<ScopeRequirement[]>(REQUIRED_SCOPES, targets)
      .map((requirement) => ({ requirement }));
    if (servedType) demands.push({ requirement: `${byType.permission}:${type}` });
    const demandsOf = this.reflector.getAllAndOverride<ScopeDemandsOf | undefined>(REQUEST_SCOPES, targets);
    if (demandsOf) demands.push(...demandsOf(scopedRequest(request)));
    const missing = demands.filter((d) => !satisfiesRequirement(token.scopes, d.requirement));
    if (missing.length > 0) throw refused('insufficient-scope', insufficientScope(missing, token.scopes));

    try {
      if (readsRecords) checkPatientDataClaims(token);
    } catch (err) {
      throw refused('missing-claims', err);
    }
    return true;
  }
}

function scopedRequest(request: HttpRequest) {
  const record = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return { params: record(request.params), query: record(request.query), body: request.body };
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
