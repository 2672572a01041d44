/**
 * Maps the vendor's patient answer (`{ patient, registration, consent, flags }`) to a FHIR R4 Patient with the
 * flags the access chain needs, as PDS FHIR maps demographics.
 */
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';
import type { SupplierPatient } from '@lloyd/adapters-core';
import { compact } from '@lloyd/adapters-core';
import type { NativePatient, StaffMember } from './native.js';

const GENDER: Record<NativePatient['patient']['sex'], NonNullable<fhir4.Patient['gender']>> = {
  male: 'male',
  female: 'female',
  indeterminate: 'other',
  notKnown: 'unknown',
};

const PHONE_USE: Record<string, fhir4.ContactPoint['use']> = {
  homePhone: 'home',
  workPhone: 'work',
  mobilePhone: 'mobile',
};

/** "Dr Thomas Whitworth", from whichever name parts the vendor sent. */
export function staffDisplay(member: StaffMember): string | undefined {
  return [member.title, member.forenames, member.surname].filter(Boolean).join(' ') || undefined;
}

export function toSupplierPatient(native: NativePatient): SupplierPatient {
  const { patient: p, registration } = native;
  const practiceRef: fhir4.Reference = compact({
    type: 'Organization',
    identifier: { system: ODS_ORGANISATION_SYSTEM, value: registration.practice.odsCode },
    display: registration.practice.name,
  });
  const gp = registration.usualGp;
  const gpRef: fhir4.Reference | undefined = gp
    ? compact({
        type: 'Practitioner',
        identifier: { system: SDS_USER_SYSTEM, value: gp.userId },
        display: staffDisplay(gp),
      })
    : undefined;

  const patient: fhir4.Patient = compact({
    resourceType: 'Patient' as const,
    identifier: [{ system: NHS_NUMBER_SYSTEM, value: p.nhsNumber }],
    active: registration.status === 'registered',
    name: [
      compact({
        use: 'official' as const,
        family: p.name.surname,
        given: p.name.forenames.filter(Boolean),
        prefix: p.name.title ? [p.name.title] : undefined,
      }),
    ],
    telecom: p.contacts
      .filter((c) => c.value && c.type in PHONE_USE)
      .map((c) => ({ system: 'phone' as const, value: c.value, use: PHONE_USE[c.type] })),
    gender: GENDER[p.sex],
    birthDate: p.dateOfBirth,
    deceasedDateTime: p.dateOfDeath ?? undefined,
    address: p.address
      ? [
          compact({
            use: 'home' as const,
            line: p.address.lines.filter(Boolean),
            city: p.address.town || undefined,
            postalCode: p.address.postcode || undefined,
          }),
        ]
      : undefined,
    generalPractitioner: gpRef ? [gpRef, practiceRef] : [practiceRef],
    managingOrganization: practiceRef,
  });

  const deceased = typeof p.dateOfDeath === 'string';
  return {
    patient,
    sourceId: p.id,
    flags: {
      dissent: native.consent.recordSharing === 'dissented',
      sensitive: native.flags.sensitive,
      deceased,
      active: registration.status === 'registered' && !deceased,
    },
  };
}
