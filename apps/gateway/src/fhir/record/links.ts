import { EXTENSIONS } from '@lloyd/adapters-core';
import type { Resource } from '@lloyd/fhir';

const ENCOUNTER = /^Encounter\//;

/**
 * The consultations (`Encounter/…` references) an item was recorded in: R4 `encounter`, a MedicationStatement's
 * `context`, a DocumentReference's `context.encounter`, and for a problem also the consultations it links to (a
 * consultation topic about the problem).
 */
export function encountersOf(resource: Resource): string[] {
  const refs: (string | undefined)[] = [];
  switch (resource.resourceType) {
    case 'MedicationStatement':
      refs.push((resource as fhir4.MedicationStatement).context?.reference);
      break;
    case 'DocumentReference':
      refs.push(...((resource as fhir4.DocumentReference).context?.encounter ?? []).map((r) => r.reference));
      break;
    case 'Condition':
      refs.push((resource as fhir4.Condition).encounter?.reference, ...problemLinks(resource as fhir4.Condition));
      break;
    default:
      refs.push((resource as { encounter?: fhir4.Reference }).encounter?.reference);
  }
  return [...new Set(refs.filter((ref): ref is string => ref !== undefined && ENCOUNTER.test(ref)))];
}

/** What a problem links to (GP Connect's relatedClinicalContent): references to items of any clinical area. */
export function problemLinks(condition: fhir4.Condition): string[] {
  return (condition.extension ?? [])
    .filter((e) => e.url === EXTENSIONS.relatedClinicalContent)
    .flatMap((e) => (e.valueReference?.reference ? [e.valueReference.reference] : []));
}
