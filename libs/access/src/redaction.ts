import type { RecordSection } from '@lloyd/config';
import { hasConfidentialityLabel, type OperationOutcomeIssue, type Resource } from '@lloyd/fhir';
import { sectionOf } from './sections.js';

/** Lloyd's tag for items in the sensitive-data categories (sexual health, HIV, IVF, gender identity, ...). */
export const SENSITIVE_CATEGORY_SYSTEM = 'https://fhir.lloyd.nhs.example/CodeSystem/sensitive-category';
/** GP Connect's list warning codes (`confidential-items`, `data-in-transit`, `data-awaiting-filing`). */
export const LIST_WARNING_SYSTEM = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListWarningCode-1';
export const CONFIDENTIAL_ITEMS_TEXT = 'Items excluded due to confidentiality and/or patient preferences.';

export interface RedactionResult<T extends Resource> {
  kept: T[];
  /** The items removed, as they were. */
  withheld: T[];
  /** How many resources were removed, per section (resources outside every section count under `other`). */
  removed: Partial<Record<RecordSection | 'other', number>>;
  removedTotal: number;
}

/**
 * True when the resource is private, sealed or confidential (`meta.security` R, V or NOPAT) or tagged with a
 * sensitive-data category. Such items are never shared; they surface only as a `confidential-items` warning.
 */
export function isConfidential(resource: Resource): boolean {
  return (
    hasConfidentialityLabel(resource) || (resource.meta?.tag ?? []).some((t) => t.system === SENSITIVE_CATEGORY_SYSTEM)
  );
}

/**
 * Removes confidential items (see {@link isConfidential}) and counts them per section, for the warnings. The items
 * kept lose their references to the removed ones too (see {@link withoutReferencesTo}): a withheld item surfaces
 * only as the warning, not as a link that names it.
 */
export function redactConfidential<T extends Resource>(resources: readonly T[]): RedactionResult<T> {
  const kept: T[] = [];
  const withheld: T[] = [];
  const removed: RedactionResult<T>['removed'] = {};
  for (const resource of resources) {
    if (!isConfidential(resource)) {
      kept.push(resource);
      continue;
    }
    const key = sectionOf(resource) ?? 'other';
    removed[key] = (removed[key] ?? 0) + 1;
    withheld.push(resource);
  }
  if (withheld.length === 0) return { kept, withheld, removed, removedTotal: 0 };
  const gone = new Set(withheld.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  return { kept: withoutReferencesTo(kept, gone), withheld, removed, removedTotal: withheld.length };
}

const GONE = Symbol('gone');

/**
 * The resources with every reference to `gone` (`Type/id`) taken out: a reference in a list is dropped from it (and
 * an emptied list goes), a single one is removed, and an extension or element left with nothing but the reference
 * goes with it (a related-content extension, a List entry). Resources without such a reference are returned as
 * they are, and the input is never changed (held records are frozen and shared).
 */
export function withoutReferencesTo<T extends Resource>(resources: readonly T[], gone: ReadonlySet<string>): T[] {
  return resources.map((resource) => strip(resource, gone, true) as T);
}

/** The node without the references to `gone`, itself when it has none, or GONE when nothing of it is left. */
function strip(node: unknown, gone: ReadonlySet<string>, resource = false): unknown {
  if (Array.isArray(node)) {
    let changed = false;
    const kept: unknown[] = [];
    for (const item of node) {
      const stripped = strip(item, gone);
      if (stripped !== item) changed = true;
      if (stripped !== GONE) kept.push(stripped);
    }
    return changed ? kept : node;
  }
  if (node === null || typeof node !== 'object') return node;
  const object = node as Record<string, unknown>;
  if (!resource && typeof object['reference'] === 'string' && gone.has(object['reference'])) return GONE;
  let copy: Record<string, unknown> | undefined;
  for (const [key, child] of Object.entries(object)) {
    // Contained resources' references are their own.
    if (key === 'contained') continue;
    const stripped = strip(child, gone);
    if (stripped === child) continue;
    copy ??= { ...object };
    if (stripped === GONE || (Array.isArray(stripped) && stripped.length === 0)) delete copy[key];
    else copy[key] = stripped;
  }
  if (!copy || resource) return copy ?? node;
  const keys = Object.keys(copy);
  const emptyExtension =
    typeof copy['url'] === 'string' && !keys.some((k) => k.startsWith('value') || k === 'extension');
  return keys.length === 0 || emptyExtension ? GONE : copy;
}

/**
 * The OperationOutcome warning a RESTful search carries when items were withheld as confidential. It does not say
 * how many, as GP Connect's list warning does not.
 */
export function confidentialItemsIssue(): OperationOutcomeIssue {
  return {
    severity: 'warning',
    code: 'suppressed',
    details: {
      coding: [{ system: LIST_WARNING_SYSTEM, code: 'confidential-items', display: 'Confidential Items' }],
      text: CONFIDENTIAL_ITEMS_TEXT,
    },
    diagnostics: CONFIDENTIAL_ITEMS_TEXT,
  };
}
