import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { outcomes } from '@lloyd/fhir';
import type { ScopeDemand } from './insufficient-scope.js';
import { assertValidRequirement, type ScopeRequirement } from './scopes.js';
import type { VerifiedToken } from './verified-token.js';

export const IS_PUBLIC = 'lloyd:auth:public';
export const REQUIRED_SCOPES = 'lloyd:auth:required-scopes';
export const PATIENT_DATA_ACCESS = 'lloyd:auth:patient-data-access';
export const TYPE_PARAMETER_SCOPE = 'lloyd:auth:type-parameter-scope';
export const REQUEST_SCOPES = 'lloyd:auth:request-scopes';

/** Where {@link AuthGuard} leaves the verified token on the request. */
export const VERIFIED_TOKEN = Symbol('lloyd:verified-token');

/** Opts a route (or a whole controller) out of bearer-token authentication. Everything else needs a valid token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Requires every listed scope requirement (see {@link ScopeRequirement}: `read:<Type>`, `search:<Type>` or a SMART
 * scope such as `system/gp2gp.write`). Requirements on the controller and on the handler add up. A token that
 * lacks one gets 403. Invalid requirements throw when the route is declared.
 */
export const RequireScopes = (...requirements: ScopeRequirement[]) => {
  if (requirements.length === 0) throw new Error('@RequireScopes() needs at least one requirement');
  requirements.forEach(assertValidRequirement);
  return SetMetadata(REQUIRED_SCOPES, requirements);
};

/** What {@link RequireScopeOnTypeParameter} records for the guard. */
export interface TypeParameterScope {
  readonly permission: 'read' | 'search';
  /** The route parameter that names the resource type. */
  readonly parameter: string;
  /** The types the route serves; for any other value the route answers itself (404), not the guard. */
  readonly types: ReadonlySet<string>;
}

/**
 * For a route whose resource type is a route parameter (`GET /fhir/:type`): requires `read:<Type>` or
 * `search:<Type>` for the type the request names, checked by the guard like {@link RequireScopes}, so before the
 * patient-data claims (403 before 400). A value outside `types` is left to the route (which answers 404 for it): the
 * guard then checks neither a scope nor the patient-data claims, so an unknown type is never reported as a bad token.
 */
export const RequireScopeOnTypeParameter = (
  permission: 'read' | 'search',
  parameter: string,
  types: readonly string[],
) => SetMetadata(TYPE_PARAMETER_SCOPE, { permission, parameter, types: new Set(types) } satisfies TypeParameterScope);

/** What a {@link RequireScopesFrom} function sees of the request (Fastify has parsed all three before guards run). */
export interface ScopedRequest {
  readonly params: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
}

/** Works out a request's scope demands from what it asks for; it must not throw (the route validates the input). */
export type ScopeDemandsOf = (request: ScopedRequest) => readonly ScopeDemand[];

/**
 * For a route whose answer can hold resource types that depend on the request (the areas a structured-record body
 * asks for, a search's `_include`s): every demand `demandsOf` returns must be met, checked by the guard with
 * {@link RequireScopes}, so before the patient-data claims (403 before 400).
 */
export const RequireScopesFrom = (demandsOf: ScopeDemandsOf) => SetMetadata(REQUEST_SCOPES, demandsOf);

/**
 * Marks a route that reads patient records: the token must also carry `requesting_practitioner` and
 * `reason_for_request` (`directcare` or `emergency`, the latter with a non-empty `reason_text`), else 400. Checked
 * after every scope requirement; on a {@link RequireScopeOnTypeParameter} route, only for the types it serves.
 */
export const PatientDataAccess = () => SetMetadata(PATIENT_DATA_ACCESS, true);

/** The verified token of the current request, as stored by {@link AuthGuard}. */
export function tokenOf(request: object): VerifiedToken | undefined {
  return (request as { [VERIFIED_TOKEN]?: VerifiedToken })[VERIFIED_TOKEN];
}

/** Injects the request's {@link VerifiedToken}. On a route without a verified token it refuses with 401. */
export const CurrentToken = createParamDecorator((_data: unknown, context: ExecutionContext): VerifiedToken => {
  const token = tokenOf(context.switchToHttp().getRequest<object>());
  if (!token) throw outcomes.unauthenticated('missing bearer token');
  return token;
});
