import { EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { fhirDateEpoch } from '../datatypes/timestamp.js';
import { primaryConcept } from '../extract/parse-context.js';

/**
 * What a GP2GP round trip must keep of each clinical item, compared item by item (matched by type and id):
 * counts by type, every original coding and text, the clinical dates, values and statuses. Returns the
 * differences found (empty when the items survived).
 */
export function roundTripDifferences(before: CanonicalRecord, after: CanonicalRecord): string[] {
  const problems: string[] = [];
  // Medications count as distinct drugs: an extract repeats the drug in every statement, and the reader makes one
  // Medication of each drug, however many Medications the record it was built from had.
  const count = (record: CanonicalRecord): Map<string, number> => {
    const m = new Map<string, number>();
    const drugs = new Set<string>();
    for (const r of record.resources) {
      if (r.resourceType === 'Medication') {
        const drug = JSON.stringify((r as fhir4.Medication).code ?? null);
        if (drugs.has(drug)) continue;
        drugs.add(drug);
      }
      m.set(r.resourceType, (m.get(r.resourceType) ?? 0) + 1);
    }
    return m;
  };
  const a = count(before);
  const b = count(after);
  for (const type of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(type) !== b.get(type)) problems.push(`${type}: ${a.get(type) ?? 0} before, ${b.get(type) ?? 0} after`);
  }
  const byKey = new Map(after.resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const lookup =
    (record: CanonicalRecord) =>
    (reference: fhir4.Reference | undefined): fhir4.Resource | undefined =>
      record.resources.find((r) => `${r.resourceType}/${r.id}` === reference?.reference);
  for (const original of before.resources) {
    // A Medication has no statement of its own in GP2GP (it is the drug of an authorisation or issue): it is
    // compared through the MedicationRequest that names it, below.
    if (original.resourceType === 'Medication') continue;
    const key = `${original.resourceType}/${original.id}`;
    const copy = byKey.get(key);
    if (!copy) {
      problems.push(`${key} is missing after the round trip`);
      continue;
    }
    compareConcepts(key, primaryConcept(original), primaryConcept(copy), problems);
    if (original.resourceType === 'MedicationRequest') {
      const drug = (record: CanonicalRecord, r: fhir4.Resource): fhir4.CodeableConcept | undefined =>
        (lookup(record)((r as fhir4.MedicationRequest).medicationReference) as fhir4.Medication | undefined)?.code;
      compareConcepts(`${key} medication`, drug(before, original), drug(after, copy), problems);
    }
    for (const [field, x, y] of fieldPairs(original, copy)) {
      if (!sameValue(x, y)) problems.push(`${key}.${field}: ${JSON.stringify(x)} became ${JSON.stringify(y)}`);
    }
  }
  return problems;
}

function compareConcepts(
  key: string,
  x: fhir4.CodeableConcept | undefined,
  y: fhir4.CodeableConcept | undefined,
  problems: string[],
): void {
  if (!x) return;
  for (const coding of x.coding ?? []) {
    if (!(y?.coding ?? []).some((c) => c.system === coding.system && c.code === coding.code)) {
      problems.push(`${key}: coding ${coding.system}|${coding.code} lost`);
    }
  }
  if (x.text && y?.text !== x.text) problems.push(`${key}: text "${x.text}" became "${y?.text}"`);
}

function sameValue(x: unknown, y: unknown): boolean {
  if (typeof x === 'string' && typeof y === 'string' && /^\d{4}/.test(x) && /^\d{4}/.test(y)) {
    return x.length <= 10 || y.length <= 10 ? x === y : fhirDateEpoch(x) === fhirDateEpoch(y);
  }
  return JSON.stringify(x) === JSON.stringify(y);
}

function quantity(q: fhir4.Quantity | undefined): unknown {
  return q ? { value: q.value, unit: q.unit } : undefined;
}

function status(concept: fhir4.CodeableConcept | undefined): string | undefined {
  return concept?.coding?.[0]?.code;
}

/** The fields compared per type: dates, values and statuses that a receiving clinician relies on. */
/** An issue without a prescription type of its own takes its authorisation's when read back (that one is kept). */
function issueExtensions(
  before: fhir4.MedicationRequest,
  after: fhir4.MedicationRequest,
): fhir4.Extension[] | undefined {
  const hadType = before.extension?.some((e) => e.url === EXTENSIONS.prescriptionType) ?? false;
  if (before.intent !== 'order' || hadType) return after.extension;
  const rest = after.extension?.filter((e) => e.url !== EXTENSIONS.prescriptionType);
  return rest && rest.length > 0 ? rest : undefined;
}

function fieldPairs(x: fhir4.Resource, y: fhir4.Resource): [string, unknown, unknown][] {
  const a = x as fhir4.FhirResource;
  const b = y as fhir4.FhirResource;
  if (a.resourceType === 'Observation' && b.resourceType === 'Observation') {
    return [
      ['effective', a.effectiveDateTime ?? a.effectivePeriod?.start, b.effectiveDateTime ?? b.effectivePeriod?.start],
      ['valueQuantity', quantity(a.valueQuantity), quantity(b.valueQuantity)],
      ['valueString', a.valueString, b.valueString],
      [
        'valueCodeableConcept',
        a.valueCodeableConcept?.coding?.map((c) => c.code),
        b.valueCodeableConcept?.coding?.map((c) => c.code),
      ],
      ['hasMember', a.hasMember?.length, b.hasMember?.length],
      ['note', a.note?.map((n) => n.text), b.note?.map((n) => n.text)],
    ];
  }
  if (a.resourceType === 'Immunization' && b.resourceType === 'Immunization')
    return [['occurrence', a.occurrenceDateTime, b.occurrenceDateTime]];
  if (a.resourceType === 'AllergyIntolerance' && b.resourceType === 'AllergyIntolerance') {
    const resolved = (c: fhir4.CodeableConcept | undefined): boolean =>
      ['resolved', 'inactive'].includes(status(c) ?? '');
    return [
      ['onset', a.onsetDateTime, b.onsetDateTime],
      ['resolved', resolved(a.clinicalStatus), resolved(b.clinicalStatus)],
      // GP2GP carries only drug (14L..) or non-drug (SN53.) allergy; a non-drug one comes back as environment.
      ['drug allergy', a.category?.includes('medication') === true, b.category?.includes('medication') === true],
    ];
  }
  if (a.resourceType === 'Condition' && b.resourceType === 'Condition') {
    const active = (c: fhir4.CodeableConcept | undefined): boolean => status(c) === 'active';
    return [
      ['onset', a.onsetDateTime, b.onsetDateTime],
      ['abatement', a.abatementDateTime, b.abatementDateTime],
      ['active', active(a.clinicalStatus), active(b.clinicalStatus)],
    ];
  }
  if (a.resourceType === 'MedicationRequest' && b.resourceType === 'MedicationRequest') {
    return [
      ['intent', a.intent, b.intent],
      ['status', a.status, b.status],
      ['authoredOn', a.authoredOn, b.authoredOn],
      ['basedOn', a.basedOn?.map((r) => r.reference), b.basedOn?.map((r) => r.reference)],
      ['quantity', quantity(a.dispenseRequest?.quantity), quantity(b.dispenseRequest?.quantity)],
      ['dosage', a.dosageInstruction?.map((d) => d.text), b.dosageInstruction?.map((d) => d.text)],
      ['extension', a.extension, issueExtensions(a, b)],
    ];
  }
  if (a.resourceType === 'MedicationStatement' && b.resourceType === 'MedicationStatement') {
    return [
      ['status', a.status, b.status],
      ['basedOn', a.basedOn?.map((r) => r.reference), b.basedOn?.map((r) => r.reference)],
      ['effective', a.effectivePeriod?.start, b.effectivePeriod?.start],
    ];
  }
  if (a.resourceType === 'Medication' && b.resourceType === 'Medication') return [];
  if (a.resourceType === 'ServiceRequest' && b.resourceType === 'ServiceRequest') {
    return [
      ['intent', a.intent, b.intent],
      ['status', a.status, b.status],
      ['authoredOn', a.authoredOn, b.authoredOn],
      ['note', a.note?.map((n) => n.text).join('\n\n'), b.note?.map((n) => n.text).join('\n\n')],
    ];
  }
  if (a.resourceType === 'DocumentReference' && b.resourceType === 'DocumentReference') {
    return [
      ['description', a.description, b.description],
      ['url', a.content[0]?.attachment.url, b.content[0]?.attachment.url],
      ['contentType', a.content[0]?.attachment.contentType, b.content[0]?.attachment.contentType],
    ];
  }
  if (a.resourceType === 'DiagnosticReport' && b.resourceType === 'DiagnosticReport') {
    return [
      ['effective', a.effectiveDateTime, b.effectiveDateTime],
      ['result', a.result?.map((r) => r.reference).sort(), b.result?.map((r) => r.reference).sort()],
      ['specimen', a.specimen?.map((r) => r.reference), b.specimen?.map((r) => r.reference)],
      ['conclusion', a.conclusion, b.conclusion],
    ];
  }
  if (a.resourceType === 'Specimen' && b.resourceType === 'Specimen') {
    return [
      ['collected', a.collection?.collectedDateTime, b.collection?.collectedDateTime],
      ['type', a.type?.text, b.type?.text],
    ];
  }
  if (a.resourceType === 'Encounter' && b.resourceType === 'Encounter')
    return [['start', a.period?.start, b.period?.start]];
  return [];
}

/**
 * Comments Lloyd keeps as notes of grouping (battery) Observations, which the NHS receiving adaptor would have made
 * separate "Comment note" Observations: used to compare Observation counts with its translations.
 */
export function foldedComments(resources: readonly fhir4.Resource[]): number {
  return resources
    .filter(
      (r): r is fhir4.Observation =>
        r.resourceType === 'Observation' && ((r as fhir4.Observation).hasMember ?? []).length > 0,
    )
    .reduce((sum, o) => sum + (o.note ?? []).length, 0);
}
