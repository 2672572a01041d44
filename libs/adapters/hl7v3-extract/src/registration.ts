/**
 * The registration details the receiving GP2GP system takes with a transferred record: the patient's demographics as
 * a PDS-style `PatientSummary`, the same document its summary endpoint serves (GP2GP's extract names the patient by
 * NHS number only; a real receiving practice has them from its PDS trace).
 */
import type { TransferredPatientStatus } from '@lloyd/adapters-core';
import { NHS_NUMBER_SYSTEM } from '@lloyd/fhir';

const GENDER: Record<NonNullable<fhir4.Patient['gender']>, string> = {
  male: '1',
  female: '2',
  other: '9',
  unknown: '0',
};

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function ts(date: string | undefined): string | undefined {
  const digits = date?.replace(/[-:T]/g, '').slice(0, 8);
  return digits && /^\d{8}$/.test(digits) ? digits : undefined;
}

function element(name: string, value: string | undefined): string {
  return value ? `<${name}>${escape(value)}</${name}>` : '';
}

/**
 * The summary document for a delivered record's Patient, with the patient's sharing status in the elements the
 * system's own `PatientSummary` carries (`consent dissent`, `confidentiality sensitive`): the practice keeps them from
 * its registration of the patient.
 */
export function renderRegistration(patient: fhir4.Patient, status: TransferredPatientStatus): string {
  const nhsNumber = patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value ?? '';
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const address = patient.address?.find((a) => a.use === 'home') ?? patient.address?.[0];
  const phone = patient.telecom?.find((t) => t.system === 'phone')?.value;
  const birth = ts(patient.birthDate);
  const deceased = ts(patient.deceasedDateTime);
  const parts = [
    `<PatientSummary nhsNumber="${escape(nhsNumber)}" sourceId="${escape(patient.id ?? nhsNumber)}">`,
    '<name use="L">',
    ...(name?.prefix ?? []).map((p) => element('prefix', p)),
    ...(name?.given ?? []).map((g) => element('given', g)),
    element('family', name?.family ?? name?.text ?? ''),
    '</name>',
    `<administrativeGenderCode code="${GENDER[patient.gender ?? 'unknown']}"/>`,
    birth ? `<birthTime value="${birth}"/>` : '',
    deceased ? `<deceasedTime value="${deceased}"/>` : '',
    address
      ? [
          '<addr use="H">',
          ...(address.line ?? []).map((l) => element('streetAddressLine', l)),
          element('city', address.city),
          element('postalCode', address.postalCode),
          '</addr>',
        ].join('')
      : '',
    phone ? `<telecom use="HP" value="tel:${escape(phone.replace(/\s/g, ''))}"/>` : '',
    `<consent dissent="${status.dissent}"/><confidentiality sensitive="${status.sensitive}"/>`,
    '</PatientSummary>',
  ];
  return parts.join('');
}
