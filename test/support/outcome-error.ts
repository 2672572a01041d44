import { OperationOutcomeError } from '@lloyd/fhir';

/** The OperationOutcomeError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function expectOutcomeError(promise: Promise<unknown>): Promise<OperationOutcomeError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(OperationOutcomeError);
  return error as OperationOutcomeError;
}
