/**
 * How P40004 serves a patient it received by GP2GP transfer through its normal read endpoints: the Patient
 * registered at this practice, and the structured record built from the filed STU3 resources.
 */
import type { Practice } from '../generator/model.js';
import {
  EXT,
  locationId,
  ODS_CODE,
  OPT_IN,
  OPT_OUT,
  practitionerRef,
  ref,
  REGULAR_REGISTRATION,
  renderLocation,
  renderOrganization,
  renderPractitioner,
  renderPractitionerRole,
  SDS_USER,
  type Json,
} from './fhir-stu3-common.js';
import type { RecordRequest, Section } from './fhir-stu3-sections.js';
import type { FiledRecord } from './fhir-stu3-transfer-store.js';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The transferred Patient, now registered here: registration details, usual GP and practice of this system. */
export function renderFiledPatient(filed: FiledRecord, practice: Practice): Json {
  const gp = practice.clinicians.find((c) => c.role === 'General Medical Practitioner') ?? practice.clinicians[0];
  const extensions = Array.isArray(filed.patient['extension']) ? filed.patient['extension'].filter(isObject) : [];
  return {
    ...filed.patient,
    extension: [
      ...extensions.filter((e) => e['url'] !== EXT.registrationDetails),
      {
        url: EXT.registrationDetails,
        extension: [
          { url: 'registrationPeriod', valuePeriod: { start: filed.filedOn } },
          REGULAR_REGISTRATION,
          { url: 'preferredBranchSurgery', valueReference: ref('Location', locationId(practice)) },
        ],
      },
    ],
    active: filed.patient['deceasedDateTime'] === undefined && filed.patient['deceasedBoolean'] !== true,
    ...(gp
      ? {
          generalPractitioner: [
            { ...practitionerRef(gp, gp.sdsUserId), identifier: { system: SDS_USER, value: gp.sdsUserId } },
          ],
        }
      : {}),
    managingOrganization: {
      ...ref('Organization', practice.ods, practice.name),
      identifier: { system: ODS_CODE, value: practice.ods },
    },
  };
}

/** A transferred patient's sharing decision, as the sending practice held it when the record came. */
export function renderFiledConsent(filed: FiledRecord, practice: Practice): Json {
  return {
    resourceType: 'Consent',
    id: `${filed.patientId}-sharing`,
    status: 'active',
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: ref('Patient', filed.patientId),
    dateTime: `${filed.filedOn}T00:00:00+00:00`,
    organization: [ref('Organization', practice.ods, practice.name)],
    policyRule: filed.dissent ? OPT_OUT : OPT_IN,
  };
}

const SECTION_OF: Readonly<Record<string, Section>> = {
  AllergyIntolerance: 'allergies',
  MedicationStatement: 'medications',
  MedicationRequest: 'medications',
  Medication: 'medications',
  Condition: 'problems',
  Encounter: 'consultations',
  Immunization: 'immunisations',
  DiagnosticReport: 'investigations',
  Specimen: 'investigations',
  ReferralRequest: 'referrals',
  ProcedureRequest: 'referrals',
};

function isLaboratory(observation: Json): boolean {
  const category = Array.isArray(observation['category']) ? observation['category'] : [observation['category']];
  return category
    .filter(isObject)
    .some((c) => Array.isArray(c['coding']) && c['coding'].some((k) => isObject(k) && k['code'] === 'laboratory'));
}

function wanted(resource: Json, req: RecordRequest, inReport: ReadonlySet<string>): boolean {
  const type = String(resource['resourceType']);
  if (type === 'Observation') {
    const lab = isLaboratory(resource) || inReport.has(`Observation/${String(resource['id'])}`);
    return req.sections.has(lab ? 'investigations' : 'uncategorised');
  }
  const section = SECTION_OF[type];
  if (section === undefined || !req.sections.has(section)) return false;
  if (type === 'AllergyIntolerance' && resource['clinicalStatus'] === 'resolved') return req.includeResolvedAllergies;
  if (type === 'Immunization' && resource['notGiven'] === true) return req.includeNotGiven;
  return true;
}

/** The structured record of a transferred patient: framing resources, then the filed items of the sections asked for. */
export function renderFiledRecord(filed: FiledRecord, req: RecordRequest, practice: Practice): Json {
  const resources = new Map<string, Json>();
  const put = (r: Json) => {
    const key = `${String(r['resourceType'])}/${String(r['id'])}`;
    if (!resources.has(key)) resources.set(key, r);
  };
  put(renderFiledPatient(filed, practice));
  put(renderOrganization(practice));
  put(renderLocation(practice));
  for (const clinician of practice.clinicians) {
    put(renderPractitioner(clinician));
    put(renderPractitionerRole(clinician, practice));
  }
  const inReport = new Set(
    filed.resources
      .filter((r) => r['resourceType'] === 'DiagnosticReport' && Array.isArray(r['result']))
      .flatMap((r) => (r['result'] as unknown[]).filter(isObject).map((ref) => String(ref['reference']))),
  );
  for (const r of filed.resources) {
    const type = String(r['resourceType']);
    if (['Organization', 'Practitioner', 'PractitionerRole', 'Location'].includes(type) || wanted(r, req, inReport))
      put(r);
  }
  return {
    resourceType: 'Bundle',
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1'] },
    type: 'collection',
    entry: [...resources.values()].map((resource) => ({ resource })),
  };
}

/** The filed DocumentReferences, their attachments pointing at this system's Binary endpoint. */
export function filedDocuments(filed: FiledRecord, baseUrl: string): Json[] {
  return filed.resources
    .filter((r) => r['resourceType'] === 'DocumentReference')
    .map((r) => ({
      ...r,
      content: (Array.isArray(r['content']) ? r['content'].filter(isObject) : []).map((c) => {
        const attachment = isObject(c['attachment']) ? c['attachment'] : {};
        const url = attachment['url'];
        return typeof url === 'string' && url.startsWith('Binary/')
          ? { ...c, attachment: { ...attachment, url: `${baseUrl}/${url}` } }
          : c;
      }),
    }));
}
