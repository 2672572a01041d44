import { Inject, Injectable } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { SNOMED_SYSTEM, type Resource } from '@lloyd/fhir';
import { SENSITIVE_CATEGORY_SYSTEM } from './redaction.js';

/**
 * The items whose codes fall in a sensitive data category (`config.access.sensitiveCodes`: sexual health, HIV,
 * fertility, gender identity and similar), tagged with that category so that redaction withholds them as it does
 * confidential ones. GP Connect never shares such items, whether or not the practice marked them confidential.
 */
@Injectable()
export class SensitiveCodes {
  private readonly categories: ReadonlyMap<string, string>;

  constructor(@Inject(LLOYD_CONFIG) config: LloydConfig) {
    this.categories = categoryByCode(config.access.sensitiveCodes);
  }

  /** The resources, each one with a sensitive code tagged with its category (see {@link tagSensitive}). */
  tag<T extends Resource>(resources: readonly T[]): T[] {
    return tagSensitive(resources, this.categories);
  }
}

/** SNOMED CT concept id → category, from the configured category → concepts lists. */
export function categoryByCode(sensitiveCodes: Readonly<Record<string, readonly string[]>>): Map<string, string> {
  const byCode = new Map<string, string>();
  for (const [category, codes] of Object.entries(sensitiveCodes)) for (const code of codes) byCode.set(code, category);
  return byCode;
}

/**
 * Tags with `meta.tag` {@link SENSITIVE_CATEGORY_SYSTEM}|category each resource whose `code`, coded value
 * (Observation) or medication (`medicationCodeableConcept`) has a SNOMED CT coding in `categories`, and each
 * medication item whose `medicationReference` names a Medication so tagged: the drug is what makes it sensitive.
 * Other resources are returned as they are, and the input is never changed (held records are frozen and shared).
 */
export function tagSensitive<T extends Resource>(
  resources: readonly T[],
  categories: ReadonlyMap<string, string>,
): T[] {
  if (categories.size === 0) return [...resources];
  const found = resources.map((resource) => categoryOf(resource, categories));
  const medications = new Map<string, string>();
  resources.forEach((resource, i) => {
    const category = found[i];
    if (category && resource.resourceType === 'Medication')
      medications.set(`Medication/${resource.id ?? ''}`, category);
  });
  return resources.map((resource, i) => {
    const drug = (resource as { medicationReference?: fhir4.Reference }).medicationReference?.reference;
    const category = found[i] ?? (drug ? medications.get(drug) : undefined);
    return category ? withTag(resource, category) : resource;
  });
}

function categoryOf(resource: Resource, categories: ReadonlyMap<string, string>): string | undefined {
  const coded = resource as {
    code?: fhir4.CodeableConcept;
    valueCodeableConcept?: fhir4.CodeableConcept;
    medicationCodeableConcept?: fhir4.CodeableConcept;
  };
  for (const concept of [coded.code, coded.valueCodeableConcept, coded.medicationCodeableConcept])
    for (const coding of concept?.coding ?? []) {
      const category = coding.system === SNOMED_SYSTEM && coding.code ? categories.get(coding.code) : undefined;
      if (category) return category;
    }
  return undefined;
}

function withTag<T extends Resource>(resource: T, category: string): T {
  const tags = resource.meta?.tag ?? [];
  if (tags.some((t) => t.system === SENSITIVE_CATEGORY_SYSTEM && t.code === category)) return resource;
  return {
    ...resource,
    meta: { ...resource.meta, tag: [...tags, { system: SENSITIVE_CATEGORY_SYSTEM, code: category }] },
  };
}
