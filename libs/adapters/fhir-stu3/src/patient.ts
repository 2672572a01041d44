/**
 * Reads a GP Connect-style STU3 patient search answer: the Patient, mapped to R4 as the port wants it, and the
 * flags the access chain needs. GP Connect has no element for a patient's record-sharing decision, so this system
 * answers it with an STU3 Consent beside the Patient (`policyRule` opt-in or opt-out). The reader is strict about
 * what Lloyd relies on: a search answer without that Consent is an error, never "no dissent".
 */
import type { SupplierPatient } from '@lloyd/adapters-core';
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';
import { convertStu3Resource } from './convert/resources.js';

type Json = Record<string, unknown>;
type Result = { ok: true; patient: SupplierPatient | null } | { ok: false; reason: string };

export const OPT_IN = 'http://hl7.org/fhir/ConsentPolicy/opt-in';
export const OPT_OUT = 'http://hl7.org/fhir/ConsentPolicy/opt-out';

const REGISTRATION_DETAILS = /\/Extension-CareConnect-GPC-RegistrationDetails-\d+$/;
const CONFIDENTIALITY = new Set([
  'http://hl7.org/fhir/v3/Confidentiality',
  'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
]);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const array = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

interface Entry {
  readonly resource: Json;
  readonly mode: string;
}

function entries(bundle: Json): Entry[] {
  return array(bundle['entry']).flatMap((e) => {
    const resource = e['resource'];
    if (!isObject(resource)) return [];
    const search = isObject(e['search']) ? e['search'] : {};
    return [{ resource, mode: typeof search['mode'] === 'string' ? search['mode'] : 'match' }];
  });
}

/** The S-flag: PDS marks restricted patients with the v3 Confidentiality codes R (restricted) or V (very restricted). */
function isSensitive(patient: Json): boolean {
  const meta = isObject(patient['meta']) ? patient['meta'] : {};
  return array(meta['security']).some(
    (s) =>
      typeof s['system'] === 'string' && CONFIDENTIALITY.has(s['system']) && (s['code'] === 'R' || s['code'] === 'V'),
  );
}

/** Registered now: `active`, else GP Connect's RegistrationDetails with a registration period that has not ended. */
function isRegistered(patient: Json, today: string): boolean {
  if (typeof patient['active'] === 'boolean') return patient['active'];
  const details = array(patient['extension']).find(
    (e) => typeof e['url'] === 'string' && REGISTRATION_DETAILS.test(e['url']),
  );
  const period = array(details?.['extension']).find((e) => e['url'] === 'registrationPeriod')?.['valuePeriod'];
  if (!isObject(period) || typeof period['start'] !== 'string') return false;
  return typeof period['end'] !== 'string' || period['end'].slice(0, 10) >= today;
}

/**
 * A reference by business identifier (SDS user id, ODS code), as the port wants: taken from the reference itself,
 * else from the resource it points to when the search answer includes it.
 */
function identifiedReference(value: unknown, type: 'Practitioner' | 'Organization', included: readonly Json[]) {
  if (!isObject(value)) return undefined;
  const system = type === 'Practitioner' ? SDS_USER_SYSTEM : ODS_ORGANISATION_SYSTEM;
  const reference = typeof value['reference'] === 'string' ? value['reference'] : '';
  if (reference !== '' && !reference.startsWith(`${type}/`)) return undefined;
  const own =
    isObject(value['identifier']) && value['identifier']['system'] === system ? value['identifier'] : undefined;
  const target = included.find((r) => r['resourceType'] === type && reference === `${type}/${String(r['id'])}`);
  const theirs = array(target?.['identifier']).find((i) => i['system'] === system);
  const id = own ?? theirs;
  if (typeof id?.['value'] !== 'string') return undefined;
  const display = typeof value['display'] === 'string' ? value['display'] : undefined;
  return { type, identifier: { system, value: id['value'] }, ...(display ? { display } : {}) } as fhir4.Reference;
}

function consentFor(
  patientId: string,
  found: readonly Json[],
): { ok: true; dissent: boolean } | { ok: false; reason: string } {
  const consents = found.filter(
    (r) =>
      r['resourceType'] === 'Consent' &&
      isObject(r['patient']) &&
      String(r['patient']['reference']).endsWith(`Patient/${patientId}`) &&
      r['status'] === 'active',
  );
  if (consents.length !== 1) {
    return {
      ok: false,
      reason: `patient search answer has ${consents.length} active Consent resources for the patient; Lloyd needs exactly one to know whether the patient dissented`,
    };
  }
  const rule = consents[0]?.['policyRule'];
  if (rule === OPT_OUT) return { ok: true, dissent: true };
  if (rule === OPT_IN) return { ok: true, dissent: false };
  return { ok: false, reason: `patient Consent has an unknown policyRule (${String(rule)})` };
}

/** Validates a patient search answer for `nhsNumber`; the reason names what is wrong (no patient data). */
export function readPatientSearch(bundle: unknown, nhsNumber: string, today: string): Result {
  if (!isObject(bundle) || bundle['resourceType'] !== 'Bundle' || bundle['type'] !== 'searchset') {
    return { ok: false, reason: 'patient search answer is not an STU3 searchset Bundle' };
  }
  const all = entries(bundle);
  const matches = all.filter((e) => e.mode === 'match' && e.resource['resourceType'] === 'Patient');
  if (matches.length === 0) return { ok: true, patient: null };
  if (matches.length > 1)
    return { ok: false, reason: `patient search returned ${matches.length} patients for one NHS number` };
  const stu3 = matches[0]?.resource ?? {};
  const nhs = array(stu3['identifier'])
    .filter((i) => i['system'] === NHS_NUMBER_SYSTEM)
    .map((i) => i['value']);
  if (!nhs.includes(nhsNumber))
    return { ok: false, reason: 'patient search returned a patient with a different NHS number' };
  const sourceId = stu3['id'];
  if (typeof sourceId !== 'string' || sourceId === '')
    return { ok: false, reason: 'patient search returned a Patient without an id' };
  const consent = consentFor(
    sourceId,
    all.map((e) => e.resource),
  );
  if (!consent.ok) return consent;

  const included = all.filter((e) => e.mode !== 'match').map((e) => e.resource);
  const { id: _id, meta: _meta, ...converted } = convertStu3Resource<fhir4.Patient>(stu3 as unknown as fhir3.Patient);
  const generalPractitioner = array(stu3['generalPractitioner'])
    .map(
      (ref) => identifiedReference(ref, 'Practitioner', included) ?? identifiedReference(ref, 'Organization', included),
    )
    .filter((r) => r !== undefined);
  const managingOrganization = identifiedReference(stu3['managingOrganization'], 'Organization', included);
  // GP Connect names the practice in managingOrganization only; PDS, and Lloyd, name it beside the usual GP too.
  if (managingOrganization && !generalPractitioner.some((r) => r.type === 'Organization'))
    generalPractitioner.push({ ...managingOrganization });
  const patient: fhir4.Patient = { ...converted };
  delete patient.generalPractitioner;
  delete patient.managingOrganization;
  if (generalPractitioner.length > 0) patient.generalPractitioner = generalPractitioner;
  if (managingOrganization) patient.managingOrganization = managingOrganization;

  const deceased = typeof stu3['deceasedDateTime'] === 'string' || stu3['deceasedBoolean'] === true;
  return {
    ok: true,
    patient: {
      patient,
      sourceId,
      flags: {
        dissent: consent.dissent,
        sensitive: isSensitive(stu3),
        deceased,
        active: isRegistered(stu3, today) && !deceased,
      },
    },
  };
}
