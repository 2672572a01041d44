/**
 * Completes the canonical record translated from an EHR extract with what the extract cannot carry: the patient's
 * demographics (GP2GP names the patient by NHS number only; they come from the system's summary), the usual GP
 * first among the practitioners, and the practice's local code system under Lloyd's name for it.
 */
import { CODE_SYSTEMS, type CanonicalRecord, type SupplierPatient } from '@lloyd/adapters-core';
import { ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';

/**
 * Code systems that hold a supplier's own codes, as HL7 V3 OIDs: EMIS's local scheme (`EMISNQ…`, and the
 * `ALLERGY-…` value codes). No national map can translate them, so they are the practice's local codes, which the
 * terminology step degrades. Other unknown OIDs are kept as `urn:oid:` systems.
 */
export const LOCAL_CODE_OIDS: readonly string[] = ['2.16.840.1.113883.2.1.6.3'];

function isCoding(value: object): value is fhir4.Coding {
  return typeof (value as fhir4.Coding).system === 'string' && typeof (value as fhir4.Coding).code === 'string';
}

/** Rewrites, in place, every coding in a local scheme to `<localPrefix><ods>`; returns how many it rewrote. */
export function relabelLocalCodes(resources: readonly fhir4.Resource[], ods: string): number {
  const local = new Set(LOCAL_CODE_OIDS.map((oid) => `urn:oid:${oid}`));
  const target = `${CODE_SYSTEMS.localPrefix}${ods}`;
  let count = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (isCoding(value) && local.has(value.system!)) {
      value.system = target;
      count++;
    }
    for (const child of Object.values(value)) if (typeof child === 'object') visit(child);
  };
  visit(resources);
  return count;
}

function sdsIdOf(practitioner: fhir4.Practitioner): string | undefined {
  return practitioner.identifier?.find((i) => i.system === SDS_USER_SYSTEM)?.value;
}

function usualGpOf(found: SupplierPatient): fhir4.Reference | undefined {
  return found.patient.generalPractitioner?.find((r) => r.identifier?.system === SDS_USER_SYSTEM);
}

/** A FHIR id from an SDS user id (digits), for a usual GP the extract's directory does not list. */
function practitionerFromReference(reference: fhir4.Reference, sdsUserId: string): fhir4.Practitioner {
  const practitioner: fhir4.Practitioner = {
    resourceType: 'Practitioner',
    id: `sds-${sdsUserId}`,
    identifier: [{ system: SDS_USER_SYSTEM, value: sdsUserId }],
  };
  if (reference.display) practitioner.name = [{ text: reference.display }];
  return practitioner;
}

/**
 * The record with the summary's Patient (keeping the extract's patient id, which every resource references), the
 * practice named and identified, the usual GP first, and local codes relabelled.
 */
export function completeRecord(record: CanonicalRecord, found: SupplierPatient, ods: string): CanonicalRecord {
  relabelLocalCodes(record.resources, ods);

  const practice: fhir4.Organization = { ...record.practice };
  if (!practice.identifier?.some((i) => i.system === ODS_ORGANISATION_SYSTEM)) {
    practice.identifier = [...(practice.identifier ?? []), { system: ODS_ORGANISATION_SYSTEM, value: ods }];
  }
  practice.name ??= found.patient.managingOrganization?.display;

  const practitioners = [...record.practitioners];
  const gpReference = usualGpOf(found);
  const gpSds = gpReference?.identifier?.value;
  let gp: fhir4.Practitioner | undefined;
  if (gpReference && gpSds) {
    const at = practitioners.findIndex((p) => sdsIdOf(p) === gpSds);
    gp = at >= 0 ? practitioners.splice(at, 1)[0] : practitionerFromReference(gpReference, gpSds);
    if (gp) practitioners.unshift(gp);
  }

  const practiceReference: fhir4.Reference = { reference: `Organization/${practice.id}` };
  const { generalPractitioner: _unused, managingOrganization: _alsoUnused, ...demographics } = found.patient;
  const patient: fhir4.Patient = {
    ...demographics,
    id: record.patient.id,
    generalPractitioner: [...(gp ? [{ reference: `Practitioner/${gp.id}` }] : []), practiceReference],
    managingOrganization: practiceReference,
  };
  return { ...record, patient, practice, practitioners };
}
