/**
 * Reads the STU3 `Parameters` of `$gpc.getstructuredrecord`. The simulator checks what a provider must (the NHS
 * number, the structure, the mandatory part) and honours the parts that choose content (sections, resolved
 * allergies, prescription issues, not-given immunisations). It does not apply date or status filters, nor check
 * GP Connect's invalid combinations: Lloyd's gateway does both itself, uniformly for every supplier.
 */
import { isValidNhsNumber } from '../generator/nhs-number.js';
import { NHS_NUMBER, type Json } from './fhir-stu3-common.js';
import type { RecordRequest, Section } from './fhir-stu3-sections.js';

export type ParsedRequest =
  | { readonly ok: true; readonly nhsNumber: string; readonly request: RecordRequest }
  | {
      readonly ok: false;
      readonly status: number;
      readonly code: string;
      readonly issue: string;
      readonly message: string;
    };

const AREAS: Record<string, { section: Section; parts: readonly string[] }> = {
  includeAllergies: { section: 'allergies', parts: ['includeResolvedAllergies'] },
  includeMedication: { section: 'medications', parts: ['includePrescriptionIssues', 'medicationSearchFromDate'] },
  includeConsultations: { section: 'consultations', parts: ['consultationSearchPeriod', 'includeNumberOfMostRecent'] },
  includeProblems: { section: 'problems', parts: ['filterStatus'] },
  includeImmunisations: { section: 'immunisations', parts: ['includeNotGiven', 'includeStatus'] },
  includeUncategorisedData: { section: 'uncategorised', parts: ['uncategorisedDataSearchPeriod'] },
  includeInvestigations: { section: 'investigations', parts: ['investigationSearchPeriod'] },
  includeReferrals: { section: 'referrals', parts: ['referralSearchPeriod'] },
};

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const fail = (status: number, code: string, issue: string, message: string): ParsedRequest => ({
  ok: false,
  status,
  code,
  issue,
  message,
});

function booleanPart(parts: readonly Json[], name: string): boolean | 'invalid' | undefined {
  const part = parts.find((p) => p['name'] === name);
  if (!part) return undefined;
  return typeof part['valueBoolean'] === 'boolean' ? part['valueBoolean'] : 'invalid';
}

export function parseStructuredRecordRequest(body: unknown): ParsedRequest {
  if (!isObject(body) || body['resourceType'] !== 'Parameters' || !Array.isArray(body['parameter'])) {
    return fail(422, 'INVALID_RESOURCE', 'invalid', 'Send a FHIR STU3 Parameters resource with a parameter array.');
  }
  const parameters = body['parameter'].filter(isObject);
  const names = parameters.map((p) => String(p['name']));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) return fail(422, 'INVALID_RESOURCE', 'invalid', `Parameter ${duplicate} is given more than once.`);

  const nhs = parameters.find((p) => p['name'] === 'patientNHSNumber');
  if (!nhs) return fail(422, 'INVALID_PARAMETER', 'invalid', 'patientNHSNumber is mandatory.');
  const id = isObject(nhs['valueIdentifier']) ? nhs['valueIdentifier'] : {};
  if (id['system'] !== NHS_NUMBER)
    return fail(400, 'INVALID_IDENTIFIER_SYSTEM', 'value', `patientNHSNumber must use the system ${NHS_NUMBER}.`);
  const nhsNumber = typeof id['value'] === 'string' ? id['value'] : '';
  if (!/^\d{10}$/.test(nhsNumber))
    return fail(400, 'INVALID_IDENTIFIER_VALUE', 'value', 'An NHS number has 10 digits.');
  if (!isValidNhsNumber(nhsNumber))
    return fail(400, 'INVALID_NHS_NUMBER', 'value', 'The NHS number check digit is wrong.');

  const sections = new Set<Section>();
  const warnings: string[] = [];
  let includeResolvedAllergies = false;
  let includePrescriptionIssues = true;
  let includeNotGiven = false;
  for (const parameter of parameters) {
    const name = String(parameter['name']);
    if (name === 'patientNHSNumber') continue;
    const area = AREAS[name];
    if (!area) {
      warnings.push(`Unknown parameter ${name} was ignored.`);
      continue;
    }
    sections.add(area.section);
    const parts = Array.isArray(parameter['part']) ? parameter['part'].filter(isObject) : [];
    for (const part of parts) {
      if (!area.parts.includes(String(part['name'])))
        warnings.push(`Unknown part ${String(part['name'])} of ${name} was ignored.`);
    }
    const resolved = booleanPart(parts, 'includeResolvedAllergies');
    const issues = booleanPart(parts, 'includePrescriptionIssues');
    const notGiven = booleanPart(parts, 'includeNotGiven');
    if (name === 'includeAllergies' && resolved === undefined)
      return fail(422, 'INVALID_PARAMETER', 'invalid', 'includeAllergies needs its includeResolvedAllergies part.');
    if (resolved === 'invalid' || issues === 'invalid' || notGiven === 'invalid')
      return fail(422, 'INVALID_PARAMETER', 'invalid', `A boolean part of ${name} has no valueBoolean.`);
    if (resolved !== undefined) includeResolvedAllergies = resolved;
    if (issues !== undefined) includePrescriptionIssues = issues;
    if (notGiven !== undefined) includeNotGiven = notGiven;
  }
  return {
    ok: true,
    nhsNumber,
    request: { sections, includeResolvedAllergies, includePrescriptionIssues, includeNotGiven, warnings },
  };
}
