import type { AuditTrail, AuditWho, PatientAccessEntry } from '@lloyd/access';
import { OperationOutcomeError } from '@lloyd/fhir';
import type { ZodError } from 'zod';

/** Who calls a GP2GP use case over HTTP, for the audit trail. */
export interface Gp2gpCaller {
  who: AuditWho;
  /** The request's correlation id (`x-request-id`). */
  correlationId: string;
  /** e.g. `POST /gp2gp/transfers` */
  request: string;
}

type AuditedFields = Pick<PatientAccessEntry, 'interaction' | 'patient' | 'practiceOds' | 'resources'>;

/**
 * Runs `work` and records it in the audit trail, as a success with what it touched or as a failure with why.
 * `describe` says what the result touched. Fails closed: when the audit cannot be written the caller gets a 500.
 */
export async function audited<T>(
  audit: AuditTrail,
  caller: Gp2gpCaller,
  fields: AuditedFields,
  work: () => Promise<T>,
  describe: (result: T) => Partial<AuditedFields> = () => ({}),
): Promise<T> {
  const base: PatientAccessEntry = {
    kind: 'patient-access',
    who: caller.who,
    correlationId: caller.correlationId,
    request: caller.request,
    ...fields,
  };
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await audit.record({ ...base, error });
    throw error;
  }
  await audit.record({ ...base, ...describe(result) });
  return result;
}

/** A zod failure as 422 INVALID_PARAMETER naming the first offending field. */
export function invalidInput(error: ZodError, what: string): OperationOutcomeError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || what;
  return OperationOutcomeError.of('INVALID_PARAMETER', `${field}: ${issue?.message ?? 'invalid'}.`, {
    expression: [field],
  });
}

/** 422 INVALID_PARAMETER naming `field`. */
export function invalidParameter(field: string, why: string): OperationOutcomeError {
  return OperationOutcomeError.of('INVALID_PARAMETER', `${field}: ${why}`, { expression: [field] });
}
