import type { RecordSection } from '@lloyd/config';
import { NHS_NUMBER_SYSTEM } from '@lloyd/fhir';

/**
 * The GP Connect parameter asking for each section, with the parts that make the provider return everything:
 * Lloyd applies dates and status filters itself, the same way for every supplier. Documents have no parameter
 * (GP Connect serves them through Access Document).
 */
const SECTION_PARAMETERS: Readonly<Record<Exclude<RecordSection, 'documents'>, fhir3.ParametersParameter>> = {
  allergies: { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
  medications: { name: 'includeMedication', part: [{ name: 'includePrescriptionIssues', valueBoolean: true }] },
  problems: { name: 'includeProblems' },
  consultations: { name: 'includeConsultations' },
  immunisations: { name: 'includeImmunisations', part: [{ name: 'includeNotGiven', valueBoolean: true }] },
  investigations: { name: 'includeInvestigations' },
  referrals: { name: 'includeReferrals' },
  uncategorised: { name: 'includeUncategorisedData' },
};

/** The STU3 `Parameters` of `$gpc.getstructuredrecord` for these sections. */
export function structuredRecordParameters(nhsNumber: string, sections: readonly RecordSection[]): fhir3.Parameters {
  const wanted = new Set(sections);
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'patientNHSNumber', valueIdentifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
      ...Object.entries(SECTION_PARAMETERS)
        .filter(([section]) => wanted.has(section as RecordSection))
        .map(([, parameter]) => structuredClone(parameter)),
    ],
  };
}
