import { sectionOf, sectionsForResourceType, type AccessDecision } from '@lloyd/access';
import { EXTENSIONS } from '@lloyd/adapters-core';
import { recordSections, type RecordSection } from '@lloyd/config';
import type { Resource } from '@lloyd/fhir';

/**
 * The areas besides its own that an item of `type` may link to, whose grants a read of that type must know to serve
 * only links the caller could follow: a problem (Condition) links to items of any area (GP Connect's related clinical
 * content); other types link within their own areas, or only to the resources that frame every record.
 */
export function linkTargetAreas(type: string): RecordSection[] {
  return type === 'Condition' ? recordSections.filter((s) => s !== 'problems') : [];
}

/**
 * The areas a request asked for, as primary or linked areas, that the caller is not given: switched off at the
 * practice or not covered by the sharing agreement.
 */
export function withheldAreas(
  decision: Pick<AccessDecision, 'sections' | 'linkedSections'>,
  requested: readonly RecordSection[],
  linked: readonly RecordSection[],
): Set<RecordSection> {
  return new Set(
    [...requested, ...linked].filter((s) => !decision.sections.includes(s) && !decision.linkedSections.includes(s)),
  );
}

/**
 * The resources with the problem links (GP Connect's related clinical content) to items of withheld areas taken
 * out, so that nothing served names an item the caller may not read. A linked item's area is its own when the
 * record holds it, else its type's (an Observation only when both of its areas are withheld). Resources without
 * such links are returned as they are (held records are frozen and shared).
 */
export function withoutWithheldLinks(
  resources: readonly Resource[],
  withheld: ReadonlySet<RecordSection>,
  resolve: (ref: string) => Resource | undefined,
): Resource[] {
  if (withheld.size === 0) return [...resources];
  const isWithheld = (ref: string): boolean => {
    const target = resolve(ref);
    if (target) {
      const section = sectionOf(target);
      return section !== undefined && withheld.has(section);
    }
    const sections = sectionsForResourceType(ref.split('/')[0] ?? '');
    return sections.length > 0 && sections.every((s) => withheld.has(s));
  };
  return resources.map((resource) => {
    const extensions = (resource as fhir4.DomainResource).extension;
    if (resource.resourceType !== 'Condition' || !extensions) return resource;
    const kept = extensions.filter(
      (e) =>
        e.url !== EXTENSIONS.relatedClinicalContent ||
        !e.valueReference?.reference ||
        !isWithheld(e.valueReference.reference),
    );
    if (kept.length === extensions.length) return resource;
    const copy: fhir4.Condition = { ...(resource as fhir4.Condition), extension: kept };
    if (kept.length === 0) delete copy.extension;
    return copy;
  });
}

/** Finds a record's item by its reference (`Type/id`); the index is made on the first lookup, as few reads need one. */
export function referenceResolver(resources: readonly Resource[]): (ref: string) => Resource | undefined {
  let byRef: Map<string, Resource> | undefined;
  return (ref) => {
    byRef ??= new Map(resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
    return byRef.get(ref);
  };
}
