import { Catch, Inject, NotFoundException, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AuditTrail, RateLimiter } from '@lloyd/access';
import { guardRefusalOf } from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { LOGGER, MetricsService } from '@lloyd/observability';
import { outcomes } from '@lloyd/fhir';
import { GuardRefusals } from './guard-refusals.js';
import { RouteTable } from './route-table.js';
import { sendOutcomeError } from './send-outcome.js';
import { toOutcomeError } from './to-outcome-error.js';

/**
 * The one global exception filter: every error leaves Lloyd as a FHIR OperationOutcome. A refusal by the auth guard
 * is settled first ({@link GuardRefusals}: counted, logged and, for a patient-data route, audited).
 */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly refusals: GuardRefusals;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly routes: RouteTable,
    audit: AuditTrail,
    metrics: MetricsService,
    @Optional() limiter?: RateLimiter,
  ) {
    this.refusals = new GuardRefusals(audit, metrics, logger, limiter);
  }

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (exception instanceof NotFoundException && !request.routeOptions?.url) {
      const allowed = this.routes.methodsFor(request.url);
      const operation = fhirOperationOf(request.url);
      const error = !allowed.length
        ? outcomes.routeNotFound(request.method, request.url)
        : operation && allowed.includes('POST')
          ? outcomes.operationNeedsPost(request.method, operation)
          : outcomes.methodNotAllowed(request.method, allowed);
      sendOutcomeError(reply, error);
      return;
    }
    const { error, expected } = toOutcomeError(exception, {
      correlationId: String(request.id),
      bodyLimit: this.config.server.bodyLimitBytes,
    });
    if (!expected) this.logger.error({ err: exception, reqId: request.id, url: request.url }, 'unexpected error');
    const refusal = expected && error.status < 500 ? guardRefusalOf(request) : undefined;
    sendOutcomeError(reply, refusal ? await this.refusals.settle(request, refusal, error) : error);
  }
}

/** The FHIR operation (`$name`) a `/fhir/...` request URL invokes, if any. */
function fhirOperationOf(url: string): string | undefined {
  const path = url.split('?')[0] ?? url;
  if (!path.startsWith('/fhir/')) return undefined;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.startsWith('$') ? last : undefined;
}
