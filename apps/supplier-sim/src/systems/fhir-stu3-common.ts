/**
 * Building blocks of P40004's GP Connect-style FHIR STU3 answers: profiles, codings, references, and the
 * resources that frame every record (Patient, practice, clinicians, main location). Plain JSON objects; the
 * simulator deliberately has no FHIR library, as a vendor's system would not share Lloyd's.
 */
import { concept } from '../generator/catalogue.js';
import type { Clinician, Practice, SyntheticPatient } from '../generator/model.js';

export type Json = Record<string, unknown>;

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
export const SNOMED = 'http://snomed.info/sct';
export const READV2 = 'http://read.info/readv2';
/** EMIS-style system for supplier-local codes with no national equivalent. */
export const LOCAL_CODES = 'https://fhir.hl7.org.uk/Id/egton-codes';
export const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_CODE = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const SDS_USER = 'https://fhir.nhs.uk/Id/sds-user-id';
const GPC = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const CARE_CONNECT = 'https://fhir.hl7.org.uk/STU3/StructureDefinition';

export const EXT = {
  registrationDetails: `${GPC}/Extension-CareConnect-GPC-RegistrationDetails-1`,
  nhsNumberVerification: `${GPC}/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1`,
  prescriptionType: `${GPC}/Extension-CareConnect-GPC-PrescriptionType-1`,
  repeatInformation: `${GPC}/Extension-CareConnect-GPC-MedicationRepeatInformation-1`,
  statusReason: `${GPC}/Extension-CareConnect-GPC-MedicationStatusReason-1`,
  lastIssueDate: `${GPC}/Extension-CareConnect-GPC-MedicationStatementLastIssueDate-1`,
  prescribingAgency: `${GPC}/Extension-CareConnect-GPC-PrescribingAgency-1`,
  allergyEnd: `${GPC}/Extension-CareConnect-GPC-AllergyIntoleranceEnd-1`,
  listWarning: `${GPC}/Extension-CareConnect-GPC-ListWarningCode-1`,
  clinicalSetting: `${GPC}/Extension-CareConnect-GPC-ClinicalSetting-1`,
  mainLocation: `${GPC}/Extension-CareConnect-GPC-MainLocation-1`,
  problemSignificance: `${CARE_CONNECT}/Extension-CareConnect-ProblemSignificance-1`,
  relatedClinicalContent: `${CARE_CONNECT}/Extension-CareConnect-RelatedClinicalContent-1`,
  relatedProblemHeader: `${CARE_CONNECT}/Extension-CareConnect-RelatedProblemHeader-1`,
  dateRecorded: `${CARE_CONNECT}/Extension-CareConnect-DateRecorded-1`,
  vaccinationProcedure: `${CARE_CONNECT}/Extension-CareConnect-VaccinationProcedure-1`,
  associatedEncounter: 'http://hl7.org/fhir/StructureDefinition/encounter-associatedEncounter',
} as const;

/** STU3 spelling of the NOPAT confidentiality label GP Connect providers put on confidential items. */
export const NOPAT = {
  system: 'http://hl7.org/fhir/v3/ActCode',
  code: 'NOPAT',
  display: "no disclosure to patient, family or caregivers without attending provider's authorization",
};

/** The S-flag: the patient's demographics are restricted (v3 Confidentiality R, STU3 spelling). */
export const RESTRICTED = { system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R', display: 'restricted' };

/** The registration-details part saying the patient is registered for regular GMS care. */
export const REGULAR_REGISTRATION: Json = {
  url: 'registrationType',
  valueCodeableConcept: {
    coding: [
      { system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-RegistrationType-1', code: 'R', display: 'Regular' },
    ],
  },
};

export function meta(profile: string, confidential = false): Json {
  return {
    profile: [`${GPC}/CareConnect-GPC-${profile}-1`],
    ...(confidential ? { security: [{ ...NOPAT }] } : {}),
  };
}

export function identifier(ods: string, id: string): Json[] {
  return [{ system: `https://supplier-sim.example/Id/${ods}`, value: id }];
}

export function ref(type: string, id: string, display?: string): Json {
  return { reference: `${type}/${id}`, ...(display ? { display } : {}) };
}

/** A concept the way this SNOMED CT-native system records it: SNOMED CT chosen, Read v2 beside it, the term as text. */
export function codeable(key: string, term?: string): Json {
  const c = concept(key);
  const codings: Json[] = c.snomed
    ? [
        { system: SNOMED, code: c.snomed.code, display: c.snomed.term, userSelected: true },
        { system: READV2, code: c.readV2.code, display: c.readV2.term },
      ]
    : [{ system: LOCAL_CODES, code: c.readV2.code, display: c.readV2.term, userSelected: true }];
  return { coding: codings, text: term ?? c.term };
}

export function snomed(code: string, display: string): Json {
  return { coding: [{ system: SNOMED, code, display }] };
}

/** Full instants for elements that need one; partial dates have none (the element is then left out). */
export function instant(date: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(date)) return `${date}:00+00:00`;
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T09:00:00+00:00` : undefined;
}

export function personName(name: { title: string; given: readonly string[]; family: string }): Json {
  return { use: 'official', family: name.family, given: [...name.given], prefix: [name.title] };
}

function displayName(name: { title: string; given: readonly string[]; family: string }): string {
  return [name.title, ...name.given, name.family].join(' ');
}

export function practitionerRef(clinician: Clinician | undefined, sdsUserId: string): Json {
  return {
    reference: `Practitioner/${sdsUserId}`,
    ...(clinician ? { display: displayName(clinician.name) } : {}),
  };
}

export function renderPractitioner(clinician: Clinician): Json {
  return {
    resourceType: 'Practitioner',
    id: clinician.sdsUserId,
    meta: meta('Practitioner'),
    identifier: [{ system: SDS_USER, value: clinician.sdsUserId }],
    name: [personName(clinician.name)],
  };
}

/** SDS job role of a GP; other roles are given as text only. */
const GP_JOB_ROLE = 'R0260';

export function renderPractitionerRole(clinician: Clinician, practice: Practice): Json {
  const role =
    clinician.role === 'General Medical Practitioner'
      ? {
          coding: [
            {
              system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1',
              code: GP_JOB_ROLE,
              display: clinician.role,
            },
          ],
        }
      : { text: clinician.role };
  return {
    resourceType: 'PractitionerRole',
    id: `${clinician.sdsUserId}-${practice.ods}`,
    meta: meta('PractitionerRole'),
    practitioner: practitionerRef(clinician, clinician.sdsUserId),
    organization: ref('Organization', practice.ods, practice.name),
    code: [role],
  };
}

export function locationId(practice: Practice): string {
  return `${practice.ods}-main`;
}

function practiceAddress(practice: Practice): Json {
  return {
    use: 'work',
    type: 'physical',
    line: [...practice.address.lines],
    city: practice.address.town,
    postalCode: practice.address.postcode,
  };
}

export function renderOrganization(practice: Practice): Json {
  return {
    resourceType: 'Organization',
    id: practice.ods,
    meta: meta('Organization'),
    extension: [{ url: EXT.mainLocation, valueReference: ref('Location', locationId(practice)) }],
    identifier: [{ system: ODS_CODE, value: practice.ods }],
    type: [
      {
        coding: [{ system: 'https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-OrganisationType-1', code: 'gp-practice' }],
        text: 'GP Practice',
      },
    ],
    name: practice.name,
    telecom: [{ system: 'phone', value: practice.phone, use: 'work' }],
    address: [practiceAddress(practice)],
  };
}

export function renderLocation(practice: Practice): Json {
  return {
    resourceType: 'Location',
    id: locationId(practice),
    meta: meta('Location'),
    status: 'active',
    name: practice.name,
    type: { text: 'Main Surgery' },
    telecom: [{ system: 'phone', value: practice.phone, use: 'work' }],
    address: practiceAddress(practice),
    managingOrganization: ref('Organization', practice.ods, practice.name),
  };
}

/**
 * The Patient. Beyond GP Connect's own elements, the S-flag is a `meta.security` label (v3 Confidentiality R, as PDS
 * marks restricted patients), death is `deceasedDateTime`, and registration is `active` plus GP Connect's
 * RegistrationDetails. References to the usual GP and practice carry SDS / ODS identifiers beside the reference.
 */
export function renderPatient(patient: SyntheticPatient, practice: Practice): Json {
  const d = patient.demographics;
  const registrationEnd = d.registration.status === 'inactive' ? (d.deceasedDate ?? undefined) : undefined;
  const gp = d.usualGp;
  return {
    resourceType: 'Patient',
    id: patient.sourceId,
    meta: {
      versionId: '1',
      profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1'],
      ...(d.sensitive ? { security: [{ ...RESTRICTED }] } : {}),
    },
    extension: [
      {
        url: EXT.registrationDetails,
        extension: [
          {
            url: 'registrationPeriod',
            valuePeriod: { start: d.registration.since, ...(registrationEnd ? { end: registrationEnd } : {}) },
          },
          REGULAR_REGISTRATION,
          { url: 'preferredBranchSurgery', valueReference: ref('Location', locationId(practice)) },
        ],
      },
    ],
    identifier: [
      {
        extension: [
          {
            url: EXT.nhsNumberVerification,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1',
                  code: '01',
                  display: 'Number present and verified',
                },
              ],
            },
          },
        ],
        system: NHS_NUMBER,
        value: d.nhsNumber,
      },
    ],
    active: d.registration.status === 'active' && d.deceasedDate === undefined,
    name: [personName(d.name)],
    telecom: [{ system: 'phone', value: d.phone, use: 'home' }],
    gender: d.gender,
    birthDate: d.birthDate,
    ...(d.deceasedDate ? { deceasedDateTime: d.deceasedDate } : {}),
    address: [
      {
        use: 'home',
        type: 'physical',
        line: [...d.address.lines],
        city: d.address.town,
        postalCode: d.address.postcode,
      },
    ],
    generalPractitioner: [
      {
        ...practitionerRef(gp, gp.sdsUserId),
        identifier: { system: SDS_USER, value: gp.sdsUserId },
      },
    ],
    managingOrganization: {
      ...ref('Organization', practice.ods, practice.name),
      identifier: { system: ODS_CODE, value: practice.ods },
    },
  };
}

export const OPT_IN = 'http://hl7.org/fhir/ConsentPolicy/opt-in';
export const OPT_OUT = 'http://hl7.org/fhir/ConsentPolicy/opt-out';

/**
 * The patient's record-sharing decision, which GP Connect itself does not expose: an STU3 Consent, `policyRule`
 * opt-in (sharing) or opt-out (dissent), returned beside the Patient in every patient search.
 */
export function renderConsent(patient: SyntheticPatient, practice: Practice, asOf: string): Json {
  return {
    resourceType: 'Consent',
    id: `${patient.sourceId}-sharing`,
    status: 'active',
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: ref('Patient', patient.sourceId),
    dateTime: `${asOf}T00:00:00+00:00`,
    organization: [ref('Organization', practice.ods, practice.name)],
    policyRule: patient.consent.dissent ? OPT_OUT : OPT_IN,
  };
}

/** GP Connect's error: an OperationOutcome with a Spine error code. */
export function operationOutcome(
  code: string,
  issueCode: string,
  diagnostics: string,
  severity: 'error' | 'warning' = 'error',
): Json {
  return {
    resourceType: 'OperationOutcome',
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1'] },
    issue: [
      {
        severity,
        code: issueCode,
        details: {
          coding: [{ system: 'https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1', code, display: code }],
        },
        diagnostics,
      },
    ],
  };
}
