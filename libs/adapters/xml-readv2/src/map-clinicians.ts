import { ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';
import { toAddress, type NativePatient } from './patient.js';
import type { NativeClinician, NativeRecord } from './record-schema.js';
import { compact, reference } from './mapping-support.js';

export interface Clinicians {
  readonly practice: fhir4.Organization;
  /** The usual GP first, then every other clinician the record names, each once. */
  readonly practitioners: fhir4.Practitioner[];
  readonly practitionerRoles: fhir4.PractitionerRole[];
}

/** Every clinician the record names (consultations, prescribers, authors), by SDS user id, fullest details kept. */
function collect(patient: NativePatient, record: NativeRecord): Map<string, NativeClinician> {
  const found = new Map<string, NativeClinician>();
  const add = (c: NativeClinician | undefined) => {
    if (!c) return;
    const known = found.get(c['@sdsUserId']);
    found.set(c['@sdsUserId'], known ? { ...c, ...compact(known) } : c);
  };
  add(patient.Registration.UsualGP);
  for (const c of record.Consultations.Consultation) add(c.Clinician);
  for (const m of record.Medications.Medication) add(m.Prescriber);
  for (const d of record.Documents.Document) add(d.Author);
  return found;
}

function practitioner(c: NativeClinician): fhir4.Practitioner {
  const given = (c['@given'] ?? '').split(/\s+/).filter(Boolean);
  const name = compact({
    family: c['@family'] || undefined,
    given: given.length > 0 ? given : undefined,
    prefix: c['@title'] ? [c['@title']] : undefined,
  });
  return compact({
    resourceType: 'Practitioner' as const,
    id: c['@sdsUserId'],
    identifier: [{ system: SDS_USER_SYSTEM, value: c['@sdsUserId'] }],
    name: Object.keys(name).length > 0 ? [name] : undefined,
  });
}

/** The registered practice, the usual GP and every clinician the record names, with their roles there. */
export function mapClinicians(patient: NativePatient, record: NativeRecord): Clinicians {
  const native = patient.Registration.Practice;
  const ods = native['@ods'];
  const telecom = native.Telephone.filter((t) => t.text).map((t) => ({
    system: 'phone' as const,
    value: t.text,
    use: 'work' as const,
  }));
  const practice: fhir4.Organization = compact({
    resourceType: 'Organization' as const,
    id: ods,
    identifier: [{ system: ODS_ORGANISATION_SYSTEM, value: ods }],
    name: native['@name'],
    telecom: telecom.length > 0 ? telecom : undefined,
    address: native.Address ? [toAddress(native.Address, 'work')] : undefined,
  });
  const clinicians = [...collect(patient, record).values()];
  return {
    practice,
    practitioners: clinicians.map(practitioner),
    practitionerRoles: clinicians.map((c) =>
      compact({
        resourceType: 'PractitionerRole' as const,
        id: `${c['@sdsUserId']}-${ods}`,
        practitioner: reference('Practitioner', c['@sdsUserId']),
        organization: reference('Organization', ods),
        code: c['@role'] ? [{ text: c['@role'] }] : undefined,
      }),
    ),
  };
}

/** The patient as found, with the id the record uses and its GP and practice references resolvable in the record. */
export function recordPatient(patient: fhir4.Patient, sourceId: string, clinicians: Clinicians): fhir4.Patient {
  const known = new Set(clinicians.practitioners.map((p) => p.id));
  const link = (ref: fhir4.Reference): fhir4.Reference => {
    const value = ref.identifier?.value;
    if (ref.type === 'Organization' && value === clinicians.practice.id)
      return { ...ref, reference: `Organization/${value}` };
    if (ref.type === 'Practitioner' && value !== undefined && known.has(value))
      return { ...ref, reference: `Practitioner/${value}` };
    return ref;
  };
  const { resourceType, ...demographics } = patient;
  return compact({
    resourceType,
    id: sourceId,
    ...demographics,
    generalPractitioner: patient.generalPractitioner?.map(link),
    managingOrganization: patient.managingOrganization ? link(patient.managingOrganization) : undefined,
  });
}
