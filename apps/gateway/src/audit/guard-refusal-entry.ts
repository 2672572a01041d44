import type { PatientAccessEntry } from '@lloyd/access';
import type { GuardRefusalRule, VerifiedToken } from '@lloyd/auth';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM } from '@lloyd/fhir';

/** What the audit event of a refused request keeps of it. */
export interface RefusedRequest {
  method: string;
  /** The route pattern, e.g. `/fhir/:type` (never the raw URL). */
  route: string;
  params: unknown;
  query: unknown;
  body: unknown;
  correlationId: string;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;

/**
 * The audit entry for a request to a patient-data route that the auth guard refused after verifying its token: who
 * asked (from the token), the request as its method and route (with the resource type the route names), the rule
 * and the refusal (whose diagnostics name the missing scopes and what needs them, in Lloyd's own words), and the
 * patient's NHS number when the request names it plainly; nothing else of the query or the body.
 */
export function guardRefusalEntry(
  request: RefusedRequest,
  token: VerifiedToken,
  rule: GuardRefusalRule,
  error: unknown,
): PatientAccessEntry {
  const type = record(request.params)['type'];
  const route =
    typeof type === 'string' && RESOURCE_TYPE.test(type)
      ? request.route.replace(/\/:type(?=\/|$)/, `/${type}`)
      : request.route;
  const patient = namedNhsNumber(request.query, request.body);
  return {
    kind: 'patient-access',
    who: {
      clientId: token.clientId,
      organisation: token.organisation,
      ...(token.practitioner ? { practitioner: token.practitioner } : {}),
      ...(token.reason ? { reason: token.reason } : {}),
      ...(token.reasonText ? { reasonText: token.reasonText } : {}),
    },
    correlationId: request.correlationId,
    request: `${request.method} ${route}`,
    interaction: interactionOf(request.route),
    ...(patient ? { patient } : {}),
    error,
    deniedBy: rule,
  };
}

/** FHIR's reading of a route pattern: `[type]/$op` an operation, `[type]/[id]` a read, `[type]` a search. */
function interactionOf(route: string): PatientAccessEntry['interaction'] {
  const last = route.slice(route.lastIndexOf('/') + 1);
  if (last.startsWith('$')) return 'operation';
  return last.startsWith(':') && last !== ':type' ? 'read' : 'search';
}

/**
 * A valid NHS number the request names plainly: a search's `identifier=https://fhir.nhs.uk/Id/nhs-number|<n>` or the
 * `patientNHSNumber` of a Parameters body. Anything else (a Patient id, a bad check digit, several candidates) is not
 * recorded: it would index the event under a patient the request did not name.
 */
export function namedNhsNumber(query: unknown, body: unknown): string | undefined {
  const identifier = record(query)['identifier'];
  if (typeof identifier === 'string') {
    const bar = identifier.indexOf('|');
    if (bar >= 0 && identifier.slice(0, bar) === NHS_NUMBER_SYSTEM) return nhsNumber(identifier.slice(bar + 1));
  }
  const parameters = record(body);
  if (parameters['resourceType'] !== 'Parameters' || !Array.isArray(parameters['parameter'])) return undefined;
  const named = (parameters['parameter'] as unknown[]).filter((p) => record(p)['name'] === 'patientNHSNumber');
  if (named.length !== 1) return undefined;
  const given = record(record(named[0])['valueIdentifier']);
  return given['system'] === NHS_NUMBER_SYSTEM ? nhsNumber(given['value']) : undefined;
}

function nhsNumber(value: unknown): string | undefined {
  return typeof value === 'string' && isValidNhsNumber(value) ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
