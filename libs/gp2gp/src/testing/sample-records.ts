import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

const readV2 = (code: string, display: string): fhir4.CodeableConcept => ({
  coding: [{ system: CODE_SYSTEMS.readv2, code, display }],
  text: display,
});

/**
 * A small canonical record for transfer tests: a problem, an observation and an allergy coded in Read v2 (all in
 * the sample maps, so they translate to SNOMED CT), and with `degraded` an extra item coded in a practice-local
 * scheme, which cannot be translated and is degraded. `documents` adds a DocumentReference per attachment file name.
 */
export function sampleRecord(
  nhsNumber: string,
  ods: string,
  options: { degraded?: boolean; documents?: readonly string[] } = {},
): CanonicalRecord {
  const patient = { reference: 'Patient/patient' };
  const resources: fhir4.FhirResource[] = [
    {
      resourceType: 'Condition',
      id: 'C1',
      subject: patient,
      code: readV2('H33..', 'Asthma'),
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      onsetDateTime: '2015-03-02',
      recordedDate: '2015-03-02',
    } satisfies fhir4.Condition,
    {
      resourceType: 'Observation',
      id: 'O1',
      status: 'final',
      subject: patient,
      code: readV2('22A..', 'O/E - weight'),
      effectiveDateTime: '2021-06-01',
      valueQuantity: { value: 72, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    } satisfies fhir4.Observation,
    {
      resourceType: 'AllergyIntolerance',
      id: 'A1',
      patient,
      code: readV2('14LK.', 'Aspirin allergy'),
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
      },
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' },
        ],
      },
      category: ['medication'],
      recordedDate: '2012-10-11',
    } satisfies fhir4.AllergyIntolerance,
  ];
  if (options.degraded) {
    resources.push({
      resourceType: 'Observation',
      id: 'O2',
      status: 'final',
      subject: patient,
      code: {
        coding: [
          { system: `${CODE_SYSTEMS.localPrefix}${ods}`, code: 'LOC-OBS-1', display: 'Practice local observation' },
        ],
        text: 'Practice local observation',
      },
      effectiveDateTime: '2022-01-05',
    } satisfies fhir4.Observation);
  }
  for (const [index, filename] of (options.documents ?? []).entries()) {
    resources.push({
      resourceType: 'DocumentReference',
      id: `D${index + 1}`,
      status: 'current',
      subject: patient,
      date: '2020-02-02T10:00:00+00:00',
      description: `Scanned letter ${index + 1}`,
      content: [
        { attachment: { contentType: 'application/pdf', url: `file://localhost/${filename}`, title: filename } },
      ],
    } satisfies fhir4.DocumentReference);
  }
  return {
    patient: {
      resourceType: 'Patient',
      id: 'patient',
      identifier: [{ system: NHS, value: nhsNumber }],
      name: [{ family: 'Transfer', given: ['Test'] }],
      gender: 'female',
      birthDate: '1980-04-01',
    },
    practice: {
      resourceType: 'Organization',
      id: 'practice',
      identifier: [{ system: ODS, value: ods }],
      name: `Practice ${ods}`,
    },
    practitioners: [],
    practitionerRoles: [],
    resources,
  };
}
