import { CLINICAL_TYPES } from '@lloyd/adapters-core';
import type { CapabilityDeclaration } from '@lloyd/fhir';
import { SUPPORTED_INCLUDES } from './record/includes.js';

const PATIENT_SEARCH = {
  name: 'patient',
  type: 'reference',
  documentation: 'The Patient, by the id from a Patient search or read: <id>, Patient/<id> or its absolute URL.',
} as const;
const COUNT = {
  name: '_count',
  type: 'number',
  documentation: 'Page size; capped at the configured maximum (next links carry signed paging state).',
} as const;

/** Exactly what the gateway's FHIR endpoint implements; the CapabilityStatement is generated from this list. */
export const FHIR_CAPABILITIES: readonly CapabilityDeclaration[] = [
  {
    type: 'Patient',
    interactions: ['read', 'search-type'],
    searchParams: [
      { name: 'identifier', type: 'token', documentation: 'NHS number: https://fhir.nhs.uk/Id/nhs-number|<10 digits>' },
    ],
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
    searchParams: [PATIENT_SEARCH, COUNT],
    searchInclude: SUPPORTED_INCLUDES.map((param) => `${type}:${param}`),
  })),
  { type: 'Medication', interactions: ['read'] },
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
      { name: 'organisation', type: 'token', documentation: 'ODS code of the requesting organisation.' },
      { name: 'date', type: 'date' },
      { name: 'outcome', type: 'token' },
      COUNT,
      { name: '_offset', type: 'number', documentation: 'Paging offset (see the next link).' },
    ],
  },
];
