import type { OperationOutcome, OperationOutcomeIssue } from './r4.js';
import { SPINE_CODES, SPINE_ERROR_SYSTEM, type IssueType, type SpineCode } from './spine-codes.js';

export type Severity = 'fatal' | 'error' | 'warning' | 'information';

export interface IssueOptions {
  severity?: Severity;
  /** FHIRPath expressions naming the offending element, e.g. `Parameters.parameter[0]`. */
  expression?: string[];
  /** Overrides the issue type implied by the Spine code. */
  issueType?: IssueType;
}

/** Builds one OperationOutcome issue carrying a Spine-ErrorOrWarningCode and a human explanation. */
export function spineIssue(code: SpineCode, diagnostics: string, options: IssueOptions = {}): OperationOutcomeIssue {
  const def = SPINE_CODES[code];
  const issue: OperationOutcomeIssue = {
    severity: options.severity ?? 'error',
    code: options.issueType ?? def.issue,
    details: { coding: [{ system: SPINE_ERROR_SYSTEM, code, display: def.display }] },
    diagnostics,
  };
  if (options.expression) issue.expression = options.expression;
  return issue;
}

export function operationOutcome(...issues: OperationOutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1'] },
    issue: issues,
  };
}

/** An outcome that holds only warnings or information, for inclusion in a successful response. */
export function warningOutcome(code: SpineCode, diagnostics: string, expression?: string[]): OperationOutcome {
  return operationOutcome(
    spineIssue(code, diagnostics, { severity: 'warning', ...(expression ? { expression } : {}) }),
  );
}

/**
 * The one error type that carries an HTTP status and a FHIR OperationOutcome. Use cases throw it; the gateway's
 * exception filter writes it out unchanged.
 */
export class OperationOutcomeError extends Error {
  override readonly name = 'OperationOutcomeError';

  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue.map((i) => i.diagnostics ?? i.code).join('; '));
  }

  /** The Spine code of the first issue, for logs, metrics and audit. */
  get spineCode(): string | undefined {
    return this.outcome.issue[0]?.details?.coding?.[0]?.code;
  }

  static of(code: SpineCode, diagnostics: string, options: IssueOptions & { headers?: Record<string, string> } = {}) {
    return new OperationOutcomeError(
      statusFor(code),
      operationOutcome(spineIssue(code, diagnostics, options)),
      options.headers,
    );
  }
}

/** The single mapping from Spine code to HTTP status. */
export function statusFor(code: SpineCode): number {
  return SPINE_CODES[code].status;
}

/** Ready-made outcomes for the common cases, so wording stays consistent across the service. */
export const outcomes = {
  badRequest: (why: string) => OperationOutcomeError.of('BAD_REQUEST', why),
  invalidParameter: (why: string, expression?: string[]) =>
    OperationOutcomeError.of('INVALID_PARAMETER', why, expression ? { expression } : {}),
  invalidResource: (why: string) => OperationOutcomeError.of('INVALID_RESOURCE', why),
  invalidNhsNumber: (value: string) =>
    OperationOutcomeError.of(
      'INVALID_NHS_NUMBER',
      `"${truncate(value)}" is not a valid NHS number: it must be 10 digits with a correct check digit.`,
    ),
  invalidIdentifierSystem: (system: string, expected: string) =>
    OperationOutcomeError.of(
      'INVALID_IDENTIFIER_SYSTEM',
      `Identifier system "${truncate(system)}" is not supported; use ${expected}.`,
    ),
  patientNotFound: () => OperationOutcomeError.of('PATIENT_NOT_FOUND', 'No patient record was found for this request.'),
  notFound: (what: string) => OperationOutcomeError.of('NO_RECORD_FOUND', `${what} was not found.`),
  routeNotFound: (method: string, url: string) =>
    OperationOutcomeError.of(
      'NO_RECORD_FOUND',
      `${method} ${truncate(url, 200)} is not a Lloyd endpoint. See GET /fhir/metadata for what is supported.`,
      {
        issueType: 'not-found',
      },
    ),
  methodNotAllowed: (method: string, allowed: string[]) =>
    OperationOutcomeError.of('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(' or ')}.`, {
      headers: { allow: allowed.join(', ') },
    }),
  /**
   * A FHIR operation invoked with the wrong verb. GP Connect answers this with 400 BAD_REQUEST rather than 405, and
   * Lloyd keeps its behaviour for the operations it serves (with the `Allow` header all the same).
   */
  operationNeedsPost: (method: string, operation: string) =>
    OperationOutcomeError.of(
      'BAD_REQUEST',
      `${operation} is invoked with POST, not ${method}: send its Parameters resource as the request body.`,
      { headers: { allow: 'POST' } },
    ),
  unauthenticated: (why: string) =>
    OperationOutcomeError.of('INVALID_TOKEN', why, { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }),
  insufficientScope: (needed: string) =>
    OperationOutcomeError.of('INSUFFICIENT_SCOPE', `The token's scope does not grant ${needed}.`, {
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${needed}"` },
    }),
  documentTooLarge: (limitBytes: number) =>
    OperationOutcomeError.of(
      'INVALID_RESOURCE',
      `The document is larger than the ${limitBytes % 1_048_576 === 0 ? `${limitBytes / 1_048_576} MB` : `${limitBytes} bytes`} ` +
        'the record view serves. Ask the practice for a copy; documents of any size also travel with a GP2GP ' +
        'record transfer.',
      { issueType: 'too-costly' },
    ),
  payloadTooLarge: (limit: number) =>
    OperationOutcomeError.of('PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limit} bytes.`),
  badGateway: (supplier: string) =>
    OperationOutcomeError.of(
      'BAD_GATEWAY',
      `The GP supplier system for ${supplier} could not be reached. Try again later; the failure has been logged.`,
    ),
  gatewayTimeout: (supplier: string) =>
    OperationOutcomeError.of(
      'GATEWAY_TIMEOUT',
      `The GP supplier system for ${supplier} did not answer in time. Try again later.`,
    ),
  internal: (correlationId: string) =>
    OperationOutcomeError.of(
      'INTERNAL_SERVER_ERROR',
      `An unexpected error occurred. Quote correlation id ${correlationId} when reporting it.`,
    ),
} as const;

/** Clips text a caller sent before an outcome quotes it, so that a hostile value cannot fill the answer or the log. */
export function truncate(value: string, max = 64): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
