import { Controller, Get, Header, Inject, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { PatientDataAccess, RequireScopes } from '@lloyd/auth';
import { FHIR_JSON } from '../http/send-outcome.js';
import { fhirBaseUrl, selfUrl } from './request-urls.js';
import { SearchPatients } from './usecases/search-patients.js';

@Controller('fhir/Patient')
export class PatientController {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly searchPatients: SearchPatients,
  ) {}

  @Get()
  @RequireScopes('read:Patient')
  @PatientDataAccess()
  @Header('content-type', FHIR_JSON)
  search(@Query('identifier') identifier: string | undefined, @Req() request: FastifyRequest) {
    return this.searchPatients.execute({
      identifier,
      baseUrl: fhirBaseUrl(this.config, request),
      selfUrl: selfUrl(this.config, request),
      correlationId: String(request.id),
    });
  }
}
