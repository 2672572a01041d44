import { primaryConcept } from '../extract/parse-context.js';

/** The concept that names a resource (its code, vaccine code or document type). */
export function primaryCodeOf(resource: fhir4.Resource | undefined): fhir4.CodeableConcept | undefined {
  return resource ? primaryConcept(resource) : undefined;
}

/** Two concepts name the same thing: a shared coding, or (both uncoded) the same text. */
export function sameConcept(a: fhir4.CodeableConcept | undefined, b: fhir4.CodeableConcept | undefined): boolean {
  if (!a || !b) return false;
  const codings = a.coding ?? [];
  if (
    (b.coding ?? []).some((x) =>
      codings.some((y) => x.code !== undefined && x.code === y.code && x.system === y.system),
    )
  )
    return true;
  return codings.length === 0 && (b.coding ?? []).length === 0 && a.text !== undefined && a.text === b.text;
}
