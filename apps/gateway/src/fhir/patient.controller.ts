import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { CurrentToken, PatientDataAccess, RequireScopes, RequireScopesFrom, type VerifiedToken } from '@lloyd/auth';
import { outcomes } from '@lloyd/fhir';
import { FHIR_JSON } from '../http/send-outcome.js';
import { fhirBaseUrl } from './request-urls.js';
import { handlingOf, PATIENT_SEARCH, readSearchParameters } from './search-parameters.js';
import { structuredRecordScopes } from './structured/structured-scopes.js';
import { GetStructuredRecord } from './usecases/get-structured-record.js';
import { ReadResource } from './usecases/read-resource.js';
import { SearchPatients } from './usecases/search-patients.js';

@Controller('fhir/Patient')
@PatientDataAccess()
export class PatientController {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly searchPatients: SearchPatients,
    private readonly readResource: ReadResource,
    private readonly getStructuredRecord: GetStructuredRecord,
  ) {}

  @Get()
  @RequireScopes('search:Patient')
  @Header('content-type', FHIR_JSON)
  search(
    @Query() query: Record<string, string | string[] | undefined>,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
  ) {
    const { values, ignored } = readSearchParameters(query, PATIENT_SEARCH, handlingOf(request.headers.prefer));
    return this.searchPatients.execute({
      identifier: values['identifier'],
      ignored,
      token,
      baseUrl: fhirBaseUrl(this.config, request),
      correlationId: String(request.id),
      now: new Date(),
    });
  }

  @Post('$gpc.getstructuredrecord')
  @HttpCode(200)
  @RequireScopesFrom(structuredRecordScopes)
  @Header('content-type', FHIR_JSON)
  @Header('cache-control', 'no-store')
  structuredRecord(@Body() body: unknown, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.getStructuredRecord.execute({
      body,
      token,
      correlationId: String(request.id),
      baseUrl: fhirBaseUrl(this.config, request),
      now: new Date(),
    });
  }

  /** Without this, a GET of the operation would be read as a Patient whose id is `$gpc.getstructuredrecord`. */
  @Get('$gpc.getstructuredrecord')
  @RequireScopes('read:Patient')
  structuredRecordWithGet(): never {
    throw outcomes.operationNeedsPost('GET', '$gpc.getstructuredrecord');
  }

  @Get(':id')
  @RequireScopes('read:Patient')
  @Header('content-type', FHIR_JSON)
  read(@Param('id') id: string, @CurrentToken() token: VerifiedToken, @Req() request: FastifyRequest) {
    return this.readResource.execute({
      type: 'Patient',
      id,
      token,
      correlationId: String(request.id),
      now: new Date(),
    });
  }
}
