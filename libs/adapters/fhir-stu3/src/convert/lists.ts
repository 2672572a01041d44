/**
 * GP Connect's Lists: the primary section Lists (the gateway builds its own), the secondary Lists, and the
 * consultation structure (consultation → topic → heading Lists). None of them is kept: Lloyd's canonical record
 * has no Lists. What the consultation structure says is kept as links instead: each item filed in a consultation
 * gets its Encounter (R4 `encounter` / `context`), and a topic about a problem links the problem to the Encounter.
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { careConnect, isObject, type ConversionContext } from './context.js';

type Json = Record<string, unknown>;

/** SNOMED CT codes of GP Connect's consultation structure. */
const CONSULTATION_LIST = '325851000000107';
const TOPIC_LIST = '25851000000105';

function listCode(list: Json): string | undefined {
  const code = list['code'];
  if (!isObject(code) || !Array.isArray(code['coding'])) return undefined;
  return code['coding'].filter(isObject).find((c) => typeof c['code'] === 'string')?.['code'] as string | undefined;
}

function referenceOf(value: unknown): string | undefined {
  return isObject(value) && typeof value['reference'] === 'string' ? value['reference'] : undefined;
}

function itemReferences(list: Json): string[] {
  const entries = Array.isArray(list['entry']) ? list['entry'].filter(isObject) : [];
  return entries.map((e) => referenceOf(e['item'])).filter((r) => r !== undefined);
}

/** Sets the resource's Encounter unless it has one; true when it did. */
function linkToEncounter(resource: fhir4.Resource, encounter: string): boolean {
  const reference = { reference: encounter };
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
    case 'Condition':
    case 'MedicationRequest':
    case 'Observation':
    case 'DiagnosticReport':
    case 'Immunization':
    case 'ServiceRequest': {
      const item = resource as { encounter?: fhir4.Reference };
      if (item.encounter) return false;
      item.encounter = reference;
      return true;
    }
    case 'MedicationStatement': {
      const item = resource as fhir4.MedicationStatement;
      if (item.context) return false;
      item.context = reference;
      return true;
    }
    case 'DocumentReference': {
      const item = resource as fhir4.DocumentReference;
      if (item.context?.encounter?.length) return false;
      item.context = { ...item.context, encounter: [reference] };
      return true;
    }
    default:
      return false;
  }
}

function linkProblemToEncounter(condition: fhir4.Condition, encounter: string): boolean {
  const extensions = condition.extension ?? [];
  const known = extensions.some(
    (e) => e.url === EXTENSIONS.relatedClinicalContent && e.valueReference?.reference === encounter,
  );
  if (known) return false;
  condition.extension = [
    ...extensions,
    { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: encounter } },
  ];
  return true;
}

/**
 * Applies the consultation Lists of a structured record to its converted resources (keyed by canonical
 * reference). Returns how many links were added.
 */
export function applyConsultationLists(
  lists: readonly Json[],
  resources: ReadonlyMap<string, fhir4.Resource>,
  ctx: ConversionContext,
): { encounterLinks: number; problemLinks: number } {
  const byReference = new Map<string, Json>();
  for (const list of lists) if (typeof list['id'] === 'string') byReference.set(`List/${list['id']}`, list);
  const relatedProblemHeader = careConnect('RelatedProblemHeader');
  let encounterLinks = 0;
  let problemLinks = 0;

  const visit = (list: Json, encounter: string, seen: Set<Json>) => {
    if (seen.has(list)) return;
    seen.add(list);
    if (listCode(list) === TOPIC_LIST) {
      const headers = Array.isArray(list['extension']) ? list['extension'].filter(isObject) : [];
      for (const header of headers.filter((h) => typeof h['url'] === 'string' && relatedProblemHeader.test(h['url']))) {
        const parts = Array.isArray(header['extension']) ? header['extension'].filter(isObject) : [];
        const target = referenceOf(parts.find((p) => p['url'] === 'target')?.['valueReference']);
        const problem = target ? resources.get(ctx.ids.rewrite(target) ?? '') : undefined;
        if (problem?.resourceType === 'Condition' && linkProblemToEncounter(problem as fhir4.Condition, encounter))
          problemLinks++;
      }
    }
    for (const item of itemReferences(list)) {
      const nested = byReference.get(item);
      if (nested) {
        visit(nested, encounter, seen);
        continue;
      }
      const resource = resources.get(ctx.ids.rewrite(item) ?? '');
      if (resource && linkToEncounter(resource, encounter)) encounterLinks++;
    }
  };

  for (const list of lists) {
    if (listCode(list) !== CONSULTATION_LIST) continue;
    const encounter = ctx.ids.rewrite(referenceOf(list['encounter']) ?? '');
    if (!encounter?.startsWith('Encounter/') || !resources.has(encounter)) continue;
    visit(list, encounter, new Set());
  }
  return { encounterLinks, problemLinks };
}
