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

/**
 * The STU3 `Parameters` of `$gpc.getstructuredrecord` for these sections. Uncategorised data also asks for the
 * consultations: a GP Connect provider returns a consultation's free text (a "Comment note" Observation, which Lloyd
 * files as uncategorised data, as GP2GP extracts have it) only with the consultations, and an adapter must return
 * every item of the sections asked for.
 */
export function structuredRecordParameters(nhsNumber: string, sections: readonly RecordSection[]): fhir3.Parameters {
  const wanted = new Set(sections);
  if (wanted.has('uncategorised')) wanted.add('consultations');
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
