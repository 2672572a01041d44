import { OperationOutcomeError } from '@lloyd/fhir';
import { onlyPatientContextCovers, scopeToAskFor, type ScopeRequirement } from './scopes.js';

/** One scope requirement of a request, with what in the request needs it (for the 403's explanation). */
export interface ScopeDemand {
  requirement: ScopeRequirement;
  /** What in the request needs it, e.g. `_include=Condition:patient` or `includeMedication`. */
  because?: string;
  /** What the caller can do instead of asking for the scope, e.g. "leave out those _include parameters". */
  otherwise?: string;
}

/**
 * 403 `INSUFFICIENT_SCOPE` for the demands a token does not meet: it names each requirement and what needs it, the
 * SMART scopes to ask for (also in `WWW-Authenticate`, RFC 6750 §3), any alternative, and says so when only a
 * `patient/` scope of the token names what is missing (Lloyd does not support patient-context scopes).
 */
export function insufficientScope(missing: readonly ScopeDemand[], granted: readonly string[]): OperationOutcomeError {
  const reasons = new Map<string, Set<string>>();
  for (const { requirement, because } of missing) {
    const why = reasons.get(requirement) ?? new Set<string>();
    if (because) why.add(because);
    reasons.set(requirement, why);
  }
  const needs = [...reasons].map(([r, why]) => (why.size ? `${r} (for ${[...why].join(', ')})` : r));
  const asks = [...new Set([...reasons.keys()].map(scopeToAskFor))];
  const typed = [...reasons.keys()].some((r) => r.includes(':'));
  const otherwise = [...new Set(missing.flatMap((d) => (d.otherwise ? [d.otherwise] : [])))];
  const patientOnly = [...reasons.keys()].some((r) => onlyPatientContextCovers(granted, r));
  const text = [
    `The token's scope does not grant ${needs.join(', ')}.`,
    `Ask for ${asks.join(' ')}${typed ? ' (or the user/ forms)' : ''} when requesting the token` +
      `${otherwise.length ? `, or ${otherwise.join(', or ')}` : ''}.`,
    ...(patientOnly
      ? [
          'Patient-context scopes (patient/…) are not supported: Lloyd issues no patient launch context, so they ' +
            'grant no access to patient records. Use system/ or user/ scopes.',
        ]
      : []),
  ].join(' ');
  return OperationOutcomeError.of('INSUFFICIENT_SCOPE', text, {
    headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${asks.join(' ')}"` },
  });
}
