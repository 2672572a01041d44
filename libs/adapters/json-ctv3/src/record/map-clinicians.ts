import { ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';
import { compact } from '@lloyd/adapters-core';
import type { JournalEvent, JournalPage, NativePatient, StaffMember } from '../native.js';
import { reference } from './context.js';

export interface Clinicians {
  readonly practice: fhir4.Organization;
  /** The usual GP first, then every other clinician the record names, each once. */
  readonly practitioners: fhir4.Practitioner[];
  readonly practitionerRoles: fhir4.PractitionerRole[];
}

/** Every clinician the journal names (consultations, prescribers, authors), in order of first mention. */
function namedUsers(events: readonly JournalEvent[]): string[] {
  const users: (string | undefined)[] = [];
  for (const event of events) {
    users.push(event.clinician?.userId);
    for (const entry of event.entries) {
      if (entry.type === 'medication') users.push(entry.prescriber?.userId);
      if (entry.type === 'attachment') users.push(entry.author?.userId);
    }
  }
  return users.filter((u) => u !== undefined);
}

function practitioner(member: StaffMember): fhir4.Practitioner {
  const given = (member.forenames ?? '').split(/\s+/).filter(Boolean);
  const name = compact({
    family: member.surname || undefined,
    given: given.length > 0 ? given : undefined,
    prefix: member.title ? [member.title] : undefined,
  });
  return compact({
    resourceType: 'Practitioner' as const,
    id: member.userId,
    identifier: [{ system: SDS_USER_SYSTEM, value: member.userId }],
    name: Object.keys(name).length > 0 ? [name] : undefined,
  });
}

/**
 * The registered practice, the usual GP and every clinician the journal names, with their roles there. Names come
 * from the journal's staff directory (or the registration's usual GP); a clinician missing from both is kept with
 * the SDS user id alone.
 */
export function mapClinicians(
  ods: string,
  native: NativePatient,
  pages: readonly JournalPage[],
  events: readonly JournalEvent[],
): Clinicians {
  const staff = new Map<string, StaffMember>();
  const usualGp = native.registration.usualGp;
  if (usualGp) staff.set(usualGp.userId, usualGp);
  for (const member of pages.flatMap((p) => p.staff))
    staff.set(member.userId, { ...staff.get(member.userId), ...member });
  const ids = [...new Set([...(usualGp ? [usualGp.userId] : []), ...namedUsers(events)])];
  const members = ids.map((id) => staff.get(id) ?? { userId: id });

  const p = pages[0]?.practice;
  const practice: fhir4.Organization = compact({
    resourceType: 'Organization' as const,
    id: ods,
    identifier: [{ system: ODS_ORGANISATION_SYSTEM, value: ods }],
    name: p?.name ?? native.registration.practice.name,
    telecom: p?.telephone ? [{ system: 'phone' as const, value: p.telephone, use: 'work' as const }] : undefined,
    address: p?.address
      ? [
          compact({
            use: 'work' as const,
            line: p.address.lines.length > 0 ? p.address.lines.filter(Boolean) : undefined,
            city: p.address.town || undefined,
            postalCode: p.address.postcode || undefined,
          }),
        ]
      : undefined,
  });

  return {
    practice,
    practitioners: members.map(practitioner),
    practitionerRoles: members.map((m): fhir4.PractitionerRole =>
      compact({
        resourceType: 'PractitionerRole' as const,
        id: `${m.userId}-${ods}`,
        practitioner: reference('Practitioner', m.userId),
        organization: reference('Organization', ods),
        code: m.jobRole ? [{ text: m.jobRole }] : undefined,
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
  return compact({
    ...patient,
    id: sourceId,
    generalPractitioner: patient.generalPractitioner?.map(link),
    managingOrganization: patient.managingOrganization ? link(patient.managingOrganization) : undefined,
  });
}
