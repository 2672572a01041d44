import { CLINICAL_TYPES } from '@lloyd/adapters-core';
import { capabilityStatement, type CapabilityDeclaration, type CapabilityStatement } from '@lloyd/fhir';
import { supportedIncludes } from './record/includes.js';
import {
  CLINICAL_SEARCH_PARAMETERS,
  HANDLING_DOCUMENTATION,
  PATIENT_SEARCH_PARAMETERS,
  type SearchParameterDeclaration,
} from './search-parameters.js';

/** The search parameters a search accepts, as the CapabilityStatement lists them (the same list checks requests). */
function declared(params: readonly SearchParameterDeclaration[]): NonNullable<CapabilityDeclaration['searchParams']> {
  return params.map((p) => ({ ...p }));
}

/** Exactly what the gateway's FHIR endpoint implements; the CapabilityStatement is generated from this list. */
export const FHIR_CAPABILITIES: readonly CapabilityDeclaration[] = [
  {
    type: 'Patient',
    interactions: ['read', 'search-type'],
    searchParams: declared(PATIENT_SEARCH_PARAMETERS),
    operations: [
      {
        name: 'gpc.getstructuredrecord',
        definition: 'https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-GetStructuredRecord-Operation-1',
      },
    ],
  },
  ...CLINICAL_TYPES.map((type): CapabilityDeclaration => ({
    type,
    interactions: ['read', 'search-type'],
    searchParams: declared(CLINICAL_SEARCH_PARAMETERS),
    searchInclude: supportedIncludes(type),
  })),
  { type: 'Medication', interactions: ['read'] },
  { type: 'Location', interactions: ['read'] },
  { type: 'Specimen', interactions: ['read'] },
  // A document's content (GP Connect Access Document), at the url its DocumentReference's attachment gives.
  { type: 'Binary', interactions: ['read'] },
  { type: 'Organization', interactions: ['read'] },
  { type: 'Practitioner', interactions: ['read'] },
  { type: 'PractitionerRole', interactions: ['read'] },
  {
    type: 'AuditEvent',
    interactions: ['search-type'],
    searchParams: [
      { name: 'patient', type: 'token', documentation: 'NHS number of the patient whose record was accessed.' },
      {
        name: 'practice',
        type: 'token',
        documentation: 'ODS code of the data controller: the practice whose record was read or asked for.',
      },
      { name: 'organisation', type: 'token', documentation: 'ODS code of the requesting organisation.' },
      { name: 'date', type: 'date' },
      { name: 'outcome', type: 'token' },
      { name: '_count', type: 'number', documentation: 'Page size; capped at the configured maximum.' },
      {
        name: '_offset',
        type: 'number',
        documentation: 'Paging offset; the next link carries it in the clear (the auditor may read any page).',
      },
    ],
  },
];

/**
 * The CapabilityStatement of {@link FHIR_CAPABILITIES}. R4 has no element for `Prefer: handling`, so how searches
 * treat parameters they do not support is told in the documentation of the REST endpoint and of each searchable type.
 */
export function gatewayCapabilityStatement(options: {
  baseUrl: string;
  version: string;
  date: string;
}): CapabilityStatement {
  const statement = capabilityStatement(FHIR_CAPABILITIES, options);
  for (const rest of statement.rest ?? []) {
    rest.documentation = `Searches: ${HANDLING_DOCUMENTATION}`;
    for (const resource of rest.resource ?? []) {
      if (resource.type !== 'AuditEvent' && resource.interaction?.some((i) => i.code === 'search-type'))
        resource.documentation = HANDLING_DOCUMENTATION;
    }
  }
  return statement;
}
