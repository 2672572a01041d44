/**
 * HL7's own code systems moved from `http://hl7.org/fhir/…` (STU3) to `http://terminology.hl7.org/CodeSystem/…`
 * (R4). Other systems (SNOMED CT, Read, NHS and supplier systems) are kept exactly as the source wrote them.
 */
const MOVED = new Set([
  'allergyintolerance-clinical',
  'allergyintolerance-verification',
  'condition-category',
  'condition-clinical',
  'condition-ver-status',
  'data-absent-reason',
  'diagnosis-role',
  'dose-rate-type',
  'encounter-admit-source',
  'encounter-diet',
  'encounter-discharge-disposition',
  'encounter-special-arrangements',
  'list-empty-reason',
  'list-order',
  'location-physical-type',
  'medication-statement-category',
  'observation-category',
  'observation-statistics',
  'organization-type',
  'practitioner-role',
  'referencerange-meaning',
  'reason-medication-given',
  'reason-medication-not-given',
]);

/** R4 renamed a few of them on the way. */
const RENAMED: Readonly<Record<string, string>> = {
  'medication-request-category': 'medicationrequest-category',
  'reason-medication-not-given-codes': 'reason-medication-not-given',
};

const THO = 'http://terminology.hl7.org/CodeSystem/';

export function r4CodeSystem(system: string): string {
  const v2 = /^http:\/\/hl7\.org\/fhir\/v2\/(\d{4})$/.exec(system);
  if (v2) return `${THO}v2-${v2[1]}`;
  const v3 = /^http:\/\/hl7\.org\/fhir\/v3\/([A-Za-z]+)$/.exec(system);
  if (v3) return `${THO}v3-${v3[1]}`;
  const core = /^http:\/\/hl7\.org\/fhir\/([a-z][a-z0-9-]*)$/.exec(system);
  if (core?.[1] !== undefined) {
    const renamed = RENAMED[core[1]];
    if (renamed !== undefined) return `${THO}${renamed}`;
    if (MOVED.has(core[1])) return `${THO}${core[1]}`;
  }
  return system;
}
