import { EXTENSIONS } from '@lloyd/adapters-core';

/**
 * Resource-level degraded markers, one per original coding that could not be carried in SNOMED CT (the same shape
 * `@lloyd/terminology` uses), or the original text when the item had no coding at all.
 */
export function degradedMarkers(concept: fhir4.CodeableConcept): fhir4.Extension[] {
  const codings = concept.coding ?? [];
  if (codings.length === 0)
    return [{ url: EXTENSIONS.degradedCode, valueCoding: { display: concept.text ?? 'Unknown' } }];
  return codings.map((c) => ({
    url: EXTENSIONS.degradedCode,
    valueCoding: {
      ...(c.system ? { system: c.system } : {}),
      ...(c.code ? { code: c.code } : {}),
      ...(c.display ? { display: c.display } : {}),
    },
  }));
}

/** Adds the resource-level markers when the concept is degraded. */
export function markDegraded(resource: fhir4.Resource, concept: fhir4.CodeableConcept | undefined): void {
  if (!concept || !(concept.extension ?? []).some((e) => e.url === EXTENSIONS.degradedCode)) return;
  const domain = resource as fhir4.DomainResource;
  domain.extension = [...(domain.extension ?? []), ...degradedMarkers(concept)];
}
