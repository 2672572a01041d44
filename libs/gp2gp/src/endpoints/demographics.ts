import type { TransferredPatientStatus } from '@lloyd/adapters-core';

/** A patient as a practice's system knows them: demographics, and the dissent and S-flag it holds. */
export interface KnownPatient {
  patient: fhir4.Patient;
  flags: TransferredPatientStatus;
}

/**
 * Looks up a patient by NHS number, asking the given practice's system; null when unknown. A system that cannot be
 * asked rejects (the step is retried): the patient's dissent and S-flag are never guessed.
 */
export type DemographicsLookup = (nhsNumber: string, ods: string) => Promise<KnownPatient | null>;
