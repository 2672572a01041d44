import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SECTION_PARAMETERS, sectionsForResourceType } from '@lloyd/access';
import { LLOYD_CONFIG, type LloydConfig, type RecordSection } from '@lloyd/config';
import {
  CurrentToken,
  PatientDataAccess,
  RequireScopes,
  RequireScopesFrom,
  type ScopeDemand,
  type ScopedRequest,
  type VerifiedToken,
} from '@lloyd/auth';
import { outcomes } from '@lloyd/fhir';
import { FHIR_JSON } from '../http/send-outcome.js';
import { fhirBaseUrl } from './request-urls.js';
import { handlingOf, PATIENT_SEARCH, readSearchParameters } from './search-parameters.js';
import { linkedSectionsFor } from './structured/build-structured-bundle.js';
import { SECTION_LISTS } from './structured/list-sections.js';
import { GetStructuredRecord } from './usecases/get-structured-record.js';
import { READABLE_TYPES, ReadResource } from './usecases/read-resource.js';
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

/** What every structured record holds (the Patient, the practice, the usual GP and their role, the places they name). */
const RECORD_FRAME = ['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'Location', 'List'] as const;

/**
 * The structured record reads every type its answer can hold: the frame, and the types of each requested area and of
 * the areas it links to (GP Connect's secondary lists). The body is read leniently here, for parameter names only;
 * the use case validates it (422), after the scope (403) and the claims (400).
 */
function structuredRecordScopes({ body }: ScopedRequest): ScopeDemand[] {
  const given = (body as { parameter?: unknown } | null)?.parameter;
  const names = new Set(
    (Array.isArray(given) ? (given as unknown[]) : []).map((p) => (p as { name?: unknown } | null)?.name),
  );
  const requested = (Object.keys(SECTION_LISTS) as RecordSection[]).filter((s) => names.has(SECTION_PARAMETERS[s]));
  const reached = (section: RecordSection) =>
    requested
      .filter((r) => r === section || linkedSectionsFor([r]).includes(section))
      .map((r) => SECTION_PARAMETERS[r]);
  const otherwise = 'ask for fewer areas (each area needs its own types, and problems and consultations need them all)';
  return [
    ...RECORD_FRAME.map((type): ScopeDemand => ({ requirement: `read:${type}`, because: 'every structured record' })),
    ...READABLE_TYPES.flatMap((type): ScopeDemand[] => {
      const because = [...new Set(sectionsForResourceType(type).flatMap(reached))];
      return because.length ? [{ requirement: `read:${type}`, because: because.join(', '), otherwise }] : [];
    }),
  ];
}
