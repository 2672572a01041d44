import { Controller, Get, Header, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CLINICAL_TYPES, type ClinicalType } from '@lloyd/adapters-core';
import {
  CurrentToken,
  PatientDataAccess,
  RequireScopeOnTypeParameter,
  RequireScopes,
  RequireScopesFrom,
  type VerifiedToken,
} from '@lloyd/auth';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { outcomes } from '@lloyd/fhir';
import { namesFhirJson } from '../http/content-negotiation.js';
import { FHIR_JSON } from '../http/send-outcome.js';
import { includeScopes } from './record/includes.js';
import { fhirBaseUrl } from './request-urls.js';
import { CLINICAL_SEARCH, handlingOf, readSearchParameters } from './search-parameters.js';
import { ReadDocument } from './usecases/read-document.js';
import { READABLE_TYPES, ReadResource, type ReadableType } from './usecases/read-resource.js';
import { SearchClinical } from './usecases/search-clinical.js';

/** RESTful reads of the clinical resource types, and of the Organization and Practitioner records reference. */
@Controller('fhir')
@PatientDataAccess()
export class ClinicalController {
  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly searchClinical: SearchClinical,
    private readonly readResource: ReadResource,
    private readonly readDocument: ReadDocument,
  ) {}

  /**
   * A document's content (GP Connect Access Document), at the address its DocumentReference gives: the bytes as the
   * practice's system holds them, or a FHIR Binary for `Accept: application/fhir+json` (or `_format=json`).
   */
  @Get('Binary/:id')
  @RequireScopes('read:Binary')
  async binary(
    @Param('id') id: string,
    @Query('_format') format: string | undefined,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<fhir4.Binary | Buffer> {
    const document = await this.readDocument.execute({ id, token, correlationId: String(request.id), now: new Date() });
    void reply.header('cache-control', 'no-store');
    if (wantsFhirJson(request.headers.accept, format)) {
      void reply.header('content-type', FHIR_JSON);
      return {
        resourceType: 'Binary',
        id: document.id,
        contentType: document.contentType,
        // Access to it is decided as for the DocumentReference that describes it.
        securityContext: { reference: `DocumentReference/${document.id}` },
        data: document.content.toString('base64'),
      };
    }
    // The practice's bytes as they are: never sniffed as another type, and never run as a page of Lloyd's origin.
    void reply
      .header('content-type', document.contentType)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', 'sandbox');
    return document.content;
  }

  @Get(':type')
  @RequireScopeOnTypeParameter('search', 'type', CLINICAL_TYPES)
  @RequireScopesFrom(includeScopes)
  @Header('content-type', FHIR_JSON)
  search(
    @Param('type') type: string,
    @Query() query: Record<string, string | string[] | undefined>,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
  ) {
    if (!(CLINICAL_TYPES as readonly string[]).includes(type)) throw outcomes.routeNotFound('GET', request.url);
    const handling = handlingOf(request.headers.prefer);
    const { values, repeated, ignored } = readSearchParameters(query, CLINICAL_SEARCH, handling);
    return this.searchClinical.execute({
      type: type as ClinicalType,
      patient: values['patient'],
      count: values['_count'],
      page: values['_page'],
      include: repeated['_include'] ?? [],
      ignored,
      handling,
      token,
      correlationId: String(request.id),
      baseUrl: fhirBaseUrl(this.config, request),
      now: new Date(),
    });
  }

  @Get(':type/:id')
  @RequireScopeOnTypeParameter('read', 'type', READABLE_TYPES)
  @Header('content-type', FHIR_JSON)
  read(
    @Param('type') type: string,
    @Param('id') id: string,
    @CurrentToken() token: VerifiedToken,
    @Req() request: FastifyRequest,
  ) {
    if (type === 'Patient' || !(READABLE_TYPES as readonly string[]).includes(type))
      throw outcomes.routeNotFound('GET', request.url);
    return this.readResource.execute({
      type: type as ReadableType,
      id,
      token,
      correlationId: String(request.id),
      now: new Date(),
    });
  }
}

/** Whether the caller asks for the FHIR representation of a Binary rather than its content (FHIR's Binary read). */
function wantsFhirJson(accept: string | undefined, format: string | undefined): boolean {
  if (format !== undefined) return namesFhirJson(format);
  return /application\/(fhir\+)?json/.test(accept ?? '');
}
