import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { rateLimitHeaders, tooManyRequests, type AuditTrail, type RateLimiter } from '@lloyd/access';
import { tokenOf, type GuardRefusal } from '@lloyd/auth';
import { OperationOutcomeError, outcomes } from '@lloyd/fhir';
import { UNMATCHED_ROUTE, type MetricsService } from '@lloyd/observability';
import { guardRefusalEntry } from '../audit/guard-refusal-entry.js';

/**
 * What happens to a request the auth guard refused, before its answer leaves. Every refusal is counted
 * (`lloyd_auth_refusals_total{rule,route}`) and logged. A refusal of a patient-data route after the token was verified
 * (403 scope, 400 claims) also writes its AuditEvent, as the use cases do for their own refusals; when that cannot be
 * written the answer is the trail's 500 instead (fail closed). A 401 is not audited: its token identifies no one, and
 * an audit event per unauthenticated request would let anyone without a token grow the trail.
 */
export class GuardRefusals {
  private readonly refused: Counter<'rule' | 'route'>;

  constructor(
    private readonly audit: AuditTrail,
    metrics: MetricsService,
    private readonly logger: Logger,
    private readonly limiter?: RateLimiter,
  ) {
    this.refused = metrics.counter(
      'lloyd_auth_refusals_total',
      'Requests the auth guard refused, by rule (unauthenticated, insufficient-scope, missing-claims) and route pattern.',
      ['rule', 'route'],
    );
  }

  /** Resolves to the error to answer with: the refusal itself, or a 500 when its audit event could not be written. */
  async settle(
    request: FastifyRequest,
    refusal: GuardRefusal,
    error: OperationOutcomeError,
  ): Promise<OperationOutcomeError> {
    const route = request.routeOptions?.url ?? UNMATCHED_ROUTE;
    const token = tokenOf(request);
    this.refused.inc({ rule: refusal.rule, route });
    this.logger.warn(
      {
        reqId: request.id,
        method: request.method,
        route,
        status: error.status,
        rule: refusal.rule,
        patientData: refusal.patientData,
        ...(token ? { client: token.clientId, organisation: token.organisation } : {}),
        reason: error.message,
      },
      'request refused by the auth guard',
    );
    if (refusal.rule === 'unauthenticated' || !token) return error;
    // A verified caller's refusals count against its organisation's rate limit like any request, so that refused
    // requests cannot fill the audit trail faster than allowed ones could.
    const verdict = await this.limiter?.take(token.organisation);
    if (verdict && !verdict.allowed) return tooManyRequests(token.organisation, verdict);
    const refused = verdict
      ? new OperationOutcomeError(error.status, error.outcome, { ...error.headers, ...rateLimitHeaders(verdict) })
      : error;
    if (!refusal.patientData) return refused;
    const entry = guardRefusalEntry(
      {
        method: request.method,
        route,
        params: request.params,
        query: request.query,
        body: request.body,
        correlationId: String(request.id),
      },
      token,
      refusal.rule,
      refused,
    );
    try {
      await this.audit.record(entry);
      return refused;
    } catch (failure) {
      // The trail has logged and counted it; its 500 says the request was refused rather than answered unaudited.
      return failure instanceof OperationOutcomeError ? failure : outcomes.internal(String(request.id));
    }
  }
}
