import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { Public } from '@lloyd/auth';
import { FHIR_JSON } from '../http/send-outcome.js';
import { gatewayCapabilityStatement } from './capabilities.js';
import { fhirBaseUrl } from './request-urls.js';

const STARTED = new Date().toISOString();

@Controller('fhir')
export class MetadataController {
  constructor(@Inject(LLOYD_CONFIG) private readonly config: LloydConfig) {}

  @Get('metadata')
  @Public()
  @Header('content-type', FHIR_JSON)
  metadata(@Req() request: FastifyRequest) {
    return gatewayCapabilityStatement({
      baseUrl: fhirBaseUrl(this.config, request),
      version: '0.1.0',
      date: STARTED,
    });
  }
}
