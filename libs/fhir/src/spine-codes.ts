/** Spine-ErrorOrWarningCode (GP Connect's error vocabulary), with the HTTP status and FHIR issue code each implies. */
export const SPINE_ERROR_SYSTEM = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';

export type IssueType =
  | 'invalid'
  | 'value'
  | 'forbidden'
  | 'not-found'
  | 'not-supported'
  | 'processing'
  | 'exception'
  | 'timeout'
  | 'throttled'
  | 'login'
  | 'expired'
  | 'security'
  | 'transient'
  | 'too-costly'
  | 'informational'
  | 'incomplete';

interface SpineCodeDef {
  display: string;
  status: number;
  issue: IssueType;
}

export const SPINE_CODES = {
  BAD_REQUEST: { display: 'Bad request', status: 400, issue: 'invalid' },
  INVALID_IDENTIFIER_SYSTEM: { display: 'Invalid identifier system', status: 400, issue: 'value' },
  INVALID_IDENTIFIER_VALUE: { display: 'Invalid identifier value', status: 400, issue: 'value' },
  INVALID_NHS_NUMBER: { display: 'Invalid NHS number', status: 400, issue: 'value' },
  NO_PATIENT_CONSENT: { display: 'Patient has not provided consent to share data', status: 403, issue: 'forbidden' },
  NO_ORGANISATION_CONSENT: {
    display: 'Organisation has not provided consent to share data',
    status: 403,
    issue: 'forbidden',
  },
  'ACCESS DENIED': { display: 'Access denied', status: 403, issue: 'forbidden' },
  PATIENT_NOT_FOUND: { display: 'Patient not found', status: 404, issue: 'not-found' },
  NO_RECORD_FOUND: { display: 'No record found', status: 404, issue: 'not-found' },
  ORGANISATION_NOT_FOUND: { display: 'Organisation record not found', status: 404, issue: 'not-found' },
  PRACTITIONER_NOT_FOUND: { display: 'Practitioner record not found', status: 404, issue: 'not-found' },
  REFERENCE_NOT_FOUND: { display: 'Reference not found', status: 404, issue: 'not-found' },
  METHOD_NOT_ALLOWED: { display: 'Method not allowed', status: 405, issue: 'not-supported' },
  NOT_ACCEPTABLE: { display: 'Not acceptable', status: 406, issue: 'not-supported' },
  PAYLOAD_TOO_LARGE: { display: 'Request body too large', status: 413, issue: 'too-costly' },
  UNSUPPORTED_MEDIA_TYPE: { display: 'Unsupported media type', status: 415, issue: 'not-supported' },
  INVALID_RESOURCE: { display: 'Submitted resource is not valid', status: 422, issue: 'invalid' },
  INVALID_PARAMETER: { display: 'Submitted parameter is not valid', status: 422, issue: 'invalid' },
  DUPLICATE_REJECTED: {
    display: 'Create would lead to creation of a duplicate resource',
    status: 409,
    issue: 'processing',
  },
  TOO_MANY_REQUESTS: { display: 'Too many requests', status: 429, issue: 'throttled' },
  INTERNAL_SERVER_ERROR: { display: 'Internal server error', status: 500, issue: 'processing' },
  NOT_IMPLEMENTED: { display: 'Not implemented', status: 501, issue: 'not-supported' },
  BAD_GATEWAY: { display: 'Bad gateway: the supplier system could not be reached', status: 502, issue: 'transient' },
  SERVICE_UNAVAILABLE: { display: 'Service unavailable', status: 503, issue: 'transient' },
  GATEWAY_TIMEOUT: {
    display: 'Gateway timeout: the supplier system did not answer in time',
    status: 504,
    issue: 'timeout',
  },
  // Lloyd's own bearer-token failures (GP Connect relies on mutual TLS and has no code for them).
  INVALID_TOKEN: { display: 'Missing or invalid bearer token', status: 401, issue: 'login' },
  INSUFFICIENT_SCOPE: { display: 'Token does not grant this interaction', status: 403, issue: 'forbidden' },
} as const satisfies Record<string, SpineCodeDef>;

export type SpineCode = keyof typeof SPINE_CODES;
