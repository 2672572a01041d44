/** Which check of {@link AuthGuard} refused a request. */
export type GuardRefusalRule = 'unauthenticated' | 'insufficient-scope' | 'missing-claims';

/**
 * What {@link AuthGuard} leaves on a request it refuses, beside the error it throws: the exception filter that answers
 * the refusal learns from it which check failed and whether the route reads patient records, which it cannot see
 * itself (the gateway audits such refusals). When the token was verified it is on the request too ({@link tokenOf}).
 */
export interface GuardRefusal {
  readonly rule: GuardRefusalRule;
  /** The route reads patient records (`@PatientDataAccess`, for a resource type the route serves). */
  readonly patientData: boolean;
}

/** Where {@link AuthGuard} leaves the {@link GuardRefusal} on the request. */
export const GUARD_REFUSAL = Symbol('lloyd:guard-refusal');

/** The refusal {@link AuthGuard} recorded on the request, if it refused it. */
export function guardRefusalOf(request: object): GuardRefusal | undefined {
  return (request as { [GUARD_REFUSAL]?: GuardRefusal })[GUARD_REFUSAL];
}
