import { Controller, Get, Header, Inject, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RequireScopes } from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { fhirBaseUrl, selfUrl } from '../fhir/request-urls.js';
import { FHIR_JSON } from '../http/send-outcome.js';
import { SearchAuditEvents, type RawQuery } from './usecases/search-audit-events.js';

/** The audit trail as FHIR: `GET /fhir/AuditEvent` (scope `system/AuditEvent.read`). */
@Controller('fhir/AuditEvent')
@RequireScopes('system/AuditEvent.read')
export class AuditEventController {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly searchAuditEvents: SearchAuditEvents,
  ) {}

  @Get()
  @Header('content-type', FHIR_JSON)
  @Header('cache-control', 'no-store')
  search(@Query() query: RawQuery, @Req() request: FastifyRequest) {
    return this.searchAuditEvents.execute({
      query,
      baseUrl: fhirBaseUrl(this.config, request),
      selfUrl: selfUrl(this.config, request),
    });
  }
}
