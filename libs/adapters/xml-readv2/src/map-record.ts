import type { CanonicalRecord, SupplierPatient } from '@lloyd/adapters-core';
import { mapAllergy, mapImmunisation, mapObservation, mapProblem } from './map-clinical-items.js';
import { mapClinicians, recordPatient } from './map-clinicians.js';
import { mapConsultation, mapDocument, mapReferral, mapTestResult } from './map-events.js';
import { mapMedication } from './map-medications.js';
import { reference, type MappingContext } from './mapping-support.js';
import type { NativePatient } from './patient.js';
import type { NativeRecord } from './record-schema.js';

/** Which resource stands for each native item id, for problem links (a medication is its MedicationStatement). */
function linkTargets(record: NativeRecord): Map<string, fhir4.Reference> {
  const targets = new Map<string, fhir4.Reference>();
  const add = (type: string, items: readonly { '@id': string }[]) => {
    for (const item of items) targets.set(item['@id'], reference(type, item['@id']));
  };
  add('AllergyIntolerance', record.Allergies.Allergy);
  add('Condition', record.Problems.Problem);
  add('MedicationStatement', record.Medications.Medication);
  add('Encounter', record.Consultations.Consultation);
  add('Observation', record.Observations.Observation);
  add('Immunization', record.Immunisations.Immunisation);
  add('DiagnosticReport', record.TestResults.TestResult);
  add(
    'Observation',
    record.TestResults.TestResult.flatMap((t) => t.Result),
  );
  add('ServiceRequest', record.Referrals.Referral);
  add('DocumentReference', record.Documents.Document);
  return targets;
}

/**
 * Maps P10001's `<ClinicalRecord>` and the patient's demographics to the canonical record: FHIR R4 with Read v2
 * (or local) codings as the system sent them, confidential items marked, every item kept.
 */
export function mapRecord(native: NativePatient, found: SupplierPatient, record: NativeRecord): CanonicalRecord {
  const clinicians = mapClinicians(native, record);
  const patient = recordPatient(found.patient, found.sourceId, clinicians);
  const ctx: MappingContext = {
    ods: clinicians.practice.id!,
    patient: reference('Patient', found.sourceId),
    consultationIds: new Set(record.Consultations.Consultation.map((c) => c['@id'])),
    consultationClinicians: new Map(
      record.Consultations.Consultation.flatMap((c) => (c.Clinician ? [[c['@id'], c.Clinician['@sdsUserId']]] : [])),
    ),
    practitioner: (sdsUserId) => reference('Practitioner', sdsUserId),
  };
  const targets = linkTargets(record);

  const resources: fhir4.Resource[] = [
    ...record.Allergies.Allergy.map((a) => mapAllergy(ctx, a)),
    ...record.Medications.Medication.flatMap((m) => mapMedication(ctx, m)),
    ...record.Problems.Problem.map((p) => mapProblem(ctx, p, (id) => targets.get(id))),
    ...record.Consultations.Consultation.map((c) => mapConsultation(ctx, c)),
    ...record.Observations.Observation.map((o) => mapObservation(ctx, o)),
    ...record.Immunisations.Immunisation.map((i) => mapImmunisation(ctx, i)),
    ...record.TestResults.TestResult.flatMap((t) => mapTestResult(ctx, t)),
    ...record.Referrals.Referral.map((r) => mapReferral(ctx, r)),
    ...record.Documents.Document.map((d) => mapDocument(ctx, d)),
  ];

  return {
    patient,
    practice: clinicians.practice,
    practitioners: clinicians.practitioners,
    practitionerRoles: clinicians.practitionerRoles,
    resources,
  };
}
