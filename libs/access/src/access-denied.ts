import { OperationOutcomeError, outcomes, type SpineCode } from '@lloyd/fhir';

/** The rule of the access chain that refused a request (the `rule` label of `lloyd_access_denied_total`). */
export type DenialRule = 'practice-not-enabled' | 'no-sharing-agreement' | 'patient-not-disclosed' | 'patient-dissent';

export const DENIAL_RULES: readonly DenialRule[] = [
  'practice-not-enabled',
  'no-sharing-agreement',
  'patient-not-disclosed',
  'patient-dissent',
];

/**
 * A refusal by the access chain. It is an {@link OperationOutcomeError}, so it leaves the gateway as GP Connect's
 * error; `rule` and `reason` say internally (audit, metrics, logs) exactly why, even where the response must not
 * (a withheld patient answers exactly like an unknown one).
 */
export class AccessDeniedError extends OperationOutcomeError {
  private constructor(
    readonly rule: DenialRule,
    /** Internal explanation for the audit trail; never sent to the caller. */
    readonly reason: string,
    error: OperationOutcomeError,
  ) {
    super(error.status, error.outcome, error.headers);
  }

  static because(rule: DenialRule, code: SpineCode, diagnostics: string, reason = diagnostics): AccessDeniedError {
    return new AccessDeniedError(rule, reason, OperationOutcomeError.of(code, diagnostics));
  }

  /** Exactly the answer for a patient that does not exist (same status, code and wording). */
  static patientNotFound(reason: string): AccessDeniedError {
    return new AccessDeniedError('patient-not-disclosed', reason, outcomes.patientNotFound());
  }
}
