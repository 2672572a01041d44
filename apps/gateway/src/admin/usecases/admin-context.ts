import type { FastifyRequest } from 'fastify';
import type { VerifiedToken } from '@lloyd/auth';
import type { AdminChangeEntry, AuditTrail } from '@lloyd/access';

/** Who asks for an administrative change, and the request it came in (for the audit trail). */
export interface AdminContext {
  token: VerifiedToken;
  correlationId: string;
  /** e.g. `PUT /admin/agreements/demo-social-care` */
  request: string;
}

export function adminContext(token: VerifiedToken, request: FastifyRequest): AdminContext {
  return { token, correlationId: String(request.id), request: `${request.method} ${request.url}` };
}

/** How a change is named in the policy history: `client-id@ODS`. */
export function changedBy(context: AdminContext): string {
  return `${context.token.clientId}@${context.token.organisation}`;
}

type Change = Pick<AdminChangeEntry, 'action' | 'target'>;

/**
 * Runs an administrative change and audits it, whether it succeeds (with the new value) or is refused (with why).
 * A request that changed nothing (e.g. ending an agreement that has already ended) is not a change and is not
 * audited. When the audit cannot be written the caller gets a 500, although the change itself stands.
 */
export async function auditedChange<T>(
  audit: AuditTrail,
  context: AdminContext,
  change: Change,
  run: () => Promise<{ value: T; changed: boolean }>,
): Promise<T> {
  const base = {
    kind: 'admin-change' as const,
    ...change,
    who: context.token,
    correlationId: context.correlationId,
    request: context.request,
  };
  let result: { value: T; changed: boolean };
  try {
    result = await run();
  } catch (error) {
    await audit.record({ ...base, error });
    throw error;
  }
  if (result.changed) await audit.record({ ...base, value: result.value });
  return result.value;
}

/** The id an admin request names in its body, for auditing requests that fail validation. */
export function bodyId(body: unknown): string {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id.slice(0, 64) : '(none)';
}
