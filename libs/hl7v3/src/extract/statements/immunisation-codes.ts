import { CODE_SYSTEMS } from '@lloyd/adapters-core';

/**
 * GP2GP has no immunisation statement: vaccinations travel as ObservationStatements and receivers recognise them by
 * code (the NHS receiving adaptor uses a SNOMED immunisation table). Lloyd recognises the Read v2 immunisation
 * chapter (`65…`), a short list of SNOMED codes seen in real extracts, and an unambiguous term ("…vaccination")
 * that is not a refusal, invitation or status entry. Anything else stays an Observation, as with the NHS adaptor.
 */
const SNOMED_IMMUNISATIONS = new Set([
  '33879002', // Administration of vaccine to produce active immunity
  '86198006', // Influenza vaccination
  '38598009', // Administration of measles and mumps and rubella vaccine
  '1324681000000101', // Administration of first dose of SARS-CoV-2 vaccine
  '1324691000000104', // Administration of second dose of SARS-CoV-2 vaccine
  // Description ids sent as codes by some systems (seen in the NHS sample extracts).
  '142934010',
  '458773016',
  '458774010',
  '2533976011',
]);

const VACCINATION_TERM = /\b(vaccination|vaccine given|immunisation given|immunization given|vaccn\.?)(\b|$)/i;
const NOT_GIVEN =
  /declin|not given|contraindicat|refus|not wanted|\bdue\b|invit|remind|status|consent|dissent|unsuitable/i;

export function isImmunisationCode(concept: fhir4.CodeableConcept | undefined): boolean {
  if (!concept) return false;
  for (const coding of concept.coding ?? []) {
    if (!coding.code) continue;
    if (coding.system === CODE_SYSTEMS.readv2 && coding.code.startsWith('65')) return true;
    if (coding.system === CODE_SYSTEMS.snomed && SNOMED_IMMUNISATIONS.has(coding.code)) return true;
  }
  const terms = [concept.text, ...(concept.coding ?? []).map((c) => c.display)].filter((t): t is string => !!t);
  return terms.some((t) => VACCINATION_TERM.test(t) && !NOT_GIVEN.test(t));
}
