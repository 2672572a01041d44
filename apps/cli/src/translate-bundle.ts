/**
 * What translate makes of a JSON file: a FHIR Bundle holding a patient's record (a GP Connect STU3 structured record,
 * or an R4 record), checked well enough that a malformed one is refused saying what is wrong, not with JavaScript's
 * own error.
 */
import type { CanonicalRecord } from '@lloyd/adapters-core';
import { messageKind } from '@lloyd/hl7v3';

export const ACCEPTED =
  'translate takes an HL7 V3 EHR extract in XML (root RCMR_IN030000UK06 or RCMR_IN030000UK07, or the bare ' +
  'EhrExtract payload) or a FHIR Bundle in JSON (a GP Connect STU3 structured record, or an R4 record).';

/** What a record Bundle must hold, for the advice. */
const RECORD_BUNDLE =
  "a patient's record Bundle holds their Patient, the Organization of their registered practice and the record " +
  'items, as a GP Connect structured record (STU3) or a record Lloyd serves (R4) does';

/** The roots of the XML documents translate reads: a GP2GP EHR extract message, or its EhrExtract payload alone. */
export const EXTRACT_ROOTS = ['RCMR_IN030000UK06', 'RCMR_IN030000UK07', 'EhrExtract'];

/** Why an XML document with this root element is not an EHR extract, for the user. */
export function notAnExtract(root: string): string {
  const what: Record<string, string> = {
    'ehr-request': ', a GP2GP EHR request, which asks for a record and holds none',
    acknowledgement: ', a GP2GP acknowledgement, which holds no record',
    copc: ', a GP2GP COPC common-content message (a large-message fragment or a "continue"), which is not an extract',
  };
  const kind = messageKind(root);
  const note =
    root === 'ehrComposition'
      ? ', one composition of an extract, which does not name the patient: translate the whole extract'
      : (what[kind] ?? '');
  return `is not an EHR extract: its root element is <${root}>${note}.`;
}

/** The root element's local name of an XML text, if it starts like XML. */
function xmlRoot(xml: string): string | undefined {
  const match = /^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[\w.-]+:)?([\w.-]+)/.exec(xml);
  return match?.[1];
}

/** Advice for a Spine message saved as JSON (ebXML envelope, payload, attachments): what its payload is. */
function spineMessage(payload: unknown): Error {
  const root = typeof payload === 'string' ? xmlRoot(payload) : undefined;
  const start = 'is JSON, but a Spine message (an ebXML envelope and its payload), not a FHIR Bundle.';
  if (root !== undefined && EXTRACT_ROOTS.includes(root)) {
    return new Error(`${start} Save its "payload" (an ${root} EHR extract) as an .xml file and translate that.`);
  }
  if (root !== undefined && messageKind(root) === 'copc') {
    return new Error(
      `${start} Its "payload" is a ${root} message, a fragment of a GP2GP large message, which cannot be translated ` +
        'on its own: translate the file of the same message whose payload is the RCMR_IN030000UK06 EHR extract ' +
        '(saved as an .xml file).',
    );
  }
  const what = root === undefined ? 'not XML' : notAnExtract(root).replace(/^is not an EHR extract: /, '');
  return new Error(
    `${start} Its "payload" is ${what === 'not XML' ? 'not an XML message' : `not an EHR extract (${what.replace(/\.$/, '')})`}, ` +
      `so there is nothing to translate. ${ACCEPTED}`,
  );
}

/** The parsed JSON as a FHIR Bundle, or an error saying what it is instead. */
export function asBundle(value: unknown): fhir4.Bundle {
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const resourceType = isObject ? (value as { resourceType?: unknown }).resourceType : undefined;
  if (resourceType === 'Bundle') return checkedEntries(value as fhir4.Bundle);
  let found: string;
  if (Array.isArray(value)) found = 'an array';
  else if (!isObject) found = value === null ? 'null' : `a ${typeof value}`;
  else if ('ebXML' in value && 'payload' in value) throw spineMessage(value.payload);
  else if (typeof resourceType === 'string') found = `a FHIR ${resourceType}`;
  else found = 'an object without a resourceType';
  throw new Error(
    `is JSON, but ${found}, not a FHIR Bundle (a GP Connect STU3 structured record or an R4 record). ${ACCEPTED}`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the text "${value.slice(0, 30)}"` : `a ${typeof value}`;
}

/** The Bundle, once its entries are a list of objects whose resources have a resource type. */
function checkedEntries(bundle: fhir4.Bundle): fhir4.Bundle {
  const entries: unknown = bundle.entry;
  if (entries === undefined) return bundle;
  if (!Array.isArray(entries)) {
    throw new Error(
      `is a FHIR Bundle whose "entry" is ${describe(entries)}, not a list of entries ({"resource": …}). ` +
        `Correct the file, or export the record again: ${RECORD_BUNDLE}.`,
    );
  }
  entries.forEach((entry: unknown, index) => {
    const resource = (entry as { resource?: unknown } | null)?.resource;
    const problem =
      typeof entry !== 'object' || entry === null || Array.isArray(entry)
        ? `is ${describe(entry)}, not an object`
        : resource !== undefined && typeof (resource as { resourceType?: unknown })?.resourceType !== 'string'
          ? 'holds a "resource" without a resourceType'
          : undefined;
    if (problem !== undefined) {
      throw new Error(
        `is a FHIR Bundle whose entry ${index + 1} ${problem}. Each entry must be {"resource": {"resourceType": …}}: ` +
          'correct the file, or export the record again.',
      );
    }
  });
  return bundle;
}

/** The Bundle's resources (entries without one are left out). */
function resourcesOf(bundle: fhir4.Bundle): fhir4.Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is fhir4.Resource => r !== undefined);
}

/** A record Bundle names its patient; anything else is refused saying what a record Bundle holds. */
export function requirePatient(bundle: fhir4.Bundle): void {
  const resources = resourcesOf(bundle);
  if (resources.some((r) => r.resourceType === 'Patient')) return;
  const what = resources.length === 0 ? 'holds no resources' : 'has no Patient';
  throw new Error(
    `is a FHIR Bundle, but it ${what}, so it is not a patient's record: ${RECORD_BUNDLE}. Check that the file is ` +
      "the patient's record, not a search result or another Bundle.",
  );
}

/** Resource types and elements that exist in STU3 only: a GP Connect record whose profiles were removed has them. */
const STU3_ONLY_TYPES = ['ReferralRequest', 'ProcedureRequest'];
const STU3_ONLY_ELEMENTS: Record<string, (r: Record<string, unknown>) => boolean> = {
  MedicationStatement: (r) => 'taken' in r,
  Condition: (r) => 'assertedDate' in r || 'context' in r || typeof r['clinicalStatus'] === 'string',
  AllergyIntolerance: (r) =>
    'assertedDate' in r || typeof r['clinicalStatus'] === 'string' || typeof r['verificationStatus'] === 'string',
  Immunization: (r) => 'notGiven' in r || 'date' in r,
  Observation: (r) => 'comment' in r || 'related' in r || 'context' in r,
  DiagnosticReport: (r) => 'codedDiagnosis' in r || 'image' in r || 'context' in r,
};

/** GP Connect STU3 records name STU3 profiles, or use resource types or elements that R4 dropped. */
export function isStu3(bundle: fhir4.Bundle): boolean {
  if (JSON.stringify(bundle.meta ?? {}).includes('/STU3/')) return true;
  return resourcesOf(bundle).some((resource) => {
    const r = resource as unknown as Record<string, unknown> & { resourceType: string; meta?: { profile?: unknown } };
    const profiles = Array.isArray(r.meta?.profile) ? (r.meta.profile as unknown[]) : [];
    return (
      STU3_ONLY_TYPES.includes(r.resourceType) ||
      profiles.some((p) => typeof p === 'string' && p.includes('/STU3/')) ||
      (STU3_ONLY_ELEMENTS[r.resourceType]?.(r) ?? false)
    );
  });
}

/** What to do when a record does not name its registered practice. */
export const NO_PRACTICE_ADVICE =
  'A record Bundle must hold the Organization of the registered practice (with its ODS code), named by the ' +
  "Patient's managingOrganization (STU3) or generalPractitioner (R4): add that Organization entry and the " +
  'reference to it, and translate again.';

const ADMIN = new Set(['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'List', 'OperationOutcome']);

/** An R4 record Bundle (for instance one Lloyd served) back into the canonical record the extract builder takes. */
export function recordFromR4Bundle(bundle: fhir4.Bundle): CanonicalRecord {
  requirePatient(bundle);
  const resources = resourcesOf(bundle);
  const patient = resources.find((r): r is fhir4.Patient => r.resourceType === 'Patient')!;
  const organisations = resources.filter((r): r is fhir4.Organization => r.resourceType === 'Organization');
  const practiceRef =
    patient.managingOrganization?.reference ??
    patient.generalPractitioner?.find((g) => g.reference?.startsWith('Organization/'))?.reference;
  const practice = organisations.find((o) => `Organization/${o.id ?? ''}` === practiceRef) ?? organisations[0];
  if (!practice) throw new Error(`the Bundle has no Organization for the registered practice. ${NO_PRACTICE_ADVICE}`);
  return {
    patient,
    practice,
    practitioners: resources.filter((r): r is fhir4.Practitioner => r.resourceType === 'Practitioner'),
    practitionerRoles: resources.filter((r): r is fhir4.PractitionerRole => r.resourceType === 'PractitionerRole'),
    resources: resources.filter((r) => !ADMIN.has(r.resourceType)),
  };
}
