/**
 * How P40004 files a transferred STU3 record: which items it can keep coded (SNOMED CT), which it files as
 * transfer-degraded entries with their original text, and how the record is re-homed at this practice (the Patient
 * registered here, references to the old patient id rewritten, documents pointed at this system's Binaries).
 */
import { SNOMED, type Json } from './fhir-stu3-common.js';

/** Who and where: not clinical items of the record, never degraded, not reported per item. */
export const FRAMING_TYPES: ReadonlySet<string> = new Set([
  'Patient',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
]);

/** The element naming each clinical item, as this system codes it. */
const CODED_ELEMENT: Readonly<Record<string, string>> = {
  AllergyIntolerance: 'code',
  Condition: 'code',
  Observation: 'code',
  DiagnosticReport: 'code',
  Specimen: 'type',
  Immunization: 'vaccineCode',
  Medication: 'code',
  MedicationStatement: 'medicationCodeableConcept',
  MedicationRequest: 'medicationCodeableConcept',
  ProcedureRequest: 'code',
  ReferralRequest: 'serviceRequested',
  DocumentReference: 'type',
};

/** GP2GP's transfer-degraded SNOMED CT codes, used when an entry arrives without a SNOMED CT code. */
const DEGRADED_CODES = {
  generic: ['196411000000103', 'Transfer-degraded record entry'],
  medication: ['196421000000109', 'Transfer-degraded medication entry'],
  referral: ['196431000000106', 'Transfer-degraded referral'],
  request: ['196441000000102', 'Transfer-degraded request'],
} as const;

function degradedCodeFor(type: string): readonly [string, string] {
  if (type.startsWith('Medication')) return DEGRADED_CODES.medication;
  if (type === 'ReferralRequest') return DEGRADED_CODES.referral;
  if (type === 'ProcedureRequest') return DEGRADED_CODES.request;
  return DEGRADED_CODES.generic;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function codings(concept: Json): Json[] {
  return Array.isArray(concept['coding']) ? concept['coding'].filter(isObject) : [];
}

/** The original term of a concept: its text, else the first display. */
function termOf(concept: Json): string | undefined {
  if (typeof concept['text'] === 'string' && concept['text'] !== '') return concept['text'];
  const display = codings(concept).find((c) => typeof c['display'] === 'string')?.['display'];
  return typeof display === 'string' ? display : undefined;
}

export interface FiledItem {
  /** The item as this system keeps it. */
  readonly resource: Json;
  readonly outcome: 'integrated' | 'degraded';
  readonly note?: string;
}

/**
 * Files one clinical item: kept as it is when its code has a SNOMED CT coding (or it has no code), else the
 * transfer-degraded SNOMED CT code is added beside the original codings and the original term is kept as text.
 */
export function fileItem(resource: Json): FiledItem {
  const type = String(resource['resourceType']);
  const key = CODED_ELEMENT[type];
  const value = key === undefined ? undefined : resource[key];
  const concept = Array.isArray(value) ? value.find(isObject) : isObject(value) ? value : undefined;
  if (key === undefined || concept === undefined || codings(concept).some((c) => c['system'] === SNOMED)) {
    return { resource, outcome: 'integrated' };
  }
  const [code, display] = degradedCodeFor(type);
  const text = termOf(concept) ?? display;
  const degraded: Json = { ...concept, coding: [...codings(concept), { system: SNOMED, code, display }], text };
  const replaced = Array.isArray(value) ? value.map((v: unknown) => (v === concept ? degraded : v)) : degraded;
  return {
    resource: { ...resource, [key]: replaced },
    outcome: 'degraded',
    note: `No SNOMED CT code: filed as "${display}" with the original text "${text}".`,
  };
}

/** Rewrites every `reference` in a resource through `map` (values it does not know are kept). */
export function rewriteReferences(value: unknown, map: (reference: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, map));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === 'reference' && typeof v === 'string' ? map(v) : rewriteReferences(v, map);
  }
  return out;
}

/** The Binary id a DocumentReference's attachment points at (`Binary/<id>`, relative or absolute), if any. */
export function binaryIdOf(document: Json): string | undefined {
  const content = Array.isArray(document['content']) ? document['content'].filter(isObject) : [];
  for (const c of content) {
    const attachment = isObject(c['attachment']) ? c['attachment'] : {};
    const url = attachment['url'];
    const match = typeof url === 'string' ? /(?:^|\/)Binary\/([^/?#]+)$/.exec(url) : null;
    if (match?.[1] !== undefined) return decodeURIComponent(match[1]);
  }
  return undefined;
}

/** The DocumentReference with its attachment pointed at `url` (and the stored size). */
export function withAttachmentUrl(document: Json, url: string, size: number): Json {
  const content = Array.isArray(document['content']) ? document['content'].filter(isObject) : [];
  const [first, ...rest] = content;
  const attachment = isObject(first?.['attachment']) ? first['attachment'] : {};
  return { ...document, content: [{ ...first, attachment: { ...attachment, url, size } }, ...rest] };
}
