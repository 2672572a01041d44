import type { CapabilityDeclaration } from '@lloyd/fhir';

/** Exactly what the gateway's FHIR endpoint implements; the CapabilityStatement is generated from this list. */
export const FHIR_CAPABILITIES: readonly CapabilityDeclaration[] = [
  {
    type: 'Patient',
    interactions: ['search-type'],
    searchParams: [
      { name: 'identifier', type: 'token', documentation: 'NHS number: https://fhir.nhs.uk/Id/nhs-number|<10 digits>' },
    ],
  },
];
