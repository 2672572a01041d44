import type { AccessDeniedError } from '../access-denied.js';

/** A checker's answer: a grant it explicitly matched, or a denial. There is no "no opinion": unmatched is denied. */
export type CheckResult<G> = { allowed: true; grant: G } | { allowed: false; denial: AccessDeniedError };

/**
 * One rule of the access chain (after google/fhir-gateway's `AccessChecker`). A checker allows only what it
 * positively matches and denies everything else; the chain stops at the first denial.
 */
export interface AccessChecker<C, G> {
  check(context: C): CheckResult<G>;
}

export function allow<G>(grant: G): CheckResult<G> {
  return { allowed: true, grant };
}

export function deny<G>(denial: AccessDeniedError): CheckResult<G> {
  return { allowed: false, denial };
}
