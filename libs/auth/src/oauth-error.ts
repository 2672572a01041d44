import { OperationOutcomeError, operationOutcome, spineIssue } from '@lloyd/fhir';

/** OAuth 2.0 token endpoint error codes (RFC 6749 §5.2). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';

/**
 * A token endpoint failure as an OperationOutcome (every error in Lloyd is one). The OAuth error code is in
 * `issue[0].details.text`; `invalid_client` is 401 (a failed client authentication), the others 400. `status` overrides
 * that, e.g. 400 for an `invalid_client` request whose own fields disagree about the client (RFC 6749 §5.2 allows both).
 */
export function oauthError(code: OAuthErrorCode, description: string, status?: 400 | 401): OperationOutcomeError {
  const httpStatus = status ?? (code === 'invalid_client' ? 401 : 400);
  const issue = spineIssue(httpStatus === 401 ? 'INVALID_TOKEN' : 'BAD_REQUEST', description);
  issue.details = { ...issue.details, text: code };
  return new OperationOutcomeError(httpStatus, operationOutcome(issue), {
    'cache-control': 'no-store',
    pragma: 'no-cache',
  });
}

/** The OAuth error code carried by an error from {@link oauthError}, if any. */
export function oauthErrorCode(error: unknown): string | undefined {
  return error instanceof OperationOutcomeError ? error.outcome.issue[0]?.details?.text : undefined;
}
