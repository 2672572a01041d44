import type { RecordSection } from '@lloyd/config';
import type { OperationOutcomeIssue, Resource } from '@lloyd/fhir';
import { sectionOf } from './sections.js';

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
/** Lloyd's tag for items in the sensitive-data categories (sexual health, HIV, IVF, gender identity, ...). */
export const SENSITIVE_CATEGORY_SYSTEM = 'https://fhir.lloyd.nhs.example/CodeSystem/sensitive-category';
/** GP Connect's list warning codes (`confidential-items`, `data-in-transit`, `data-awaiting-filing`). */
export const LIST_WARNING_SYSTEM = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListWarningCode-1';
export const CONFIDENTIAL_ITEMS_TEXT = 'Items excluded due to confidentiality and/or patient preferences.';

/** Restricted (R) and very restricted (V) confidentiality; NOPAT: not to be shown to the patient (private). */
const CONFIDENTIAL_SECURITY: readonly { system: string; code: string }[] = [
  { system: CONFIDENTIALITY_SYSTEM, code: 'R' },
  { system: CONFIDENTIALITY_SYSTEM, code: 'V' },
  { system: ACT_CODE_SYSTEM, code: 'NOPAT' },
];

export interface RedactionResult<T extends Resource> {
  kept: T[];
  /** How many resources were removed, per section (resources outside every section count under `other`). */
  removed: Partial<Record<RecordSection | 'other', number>>;
  removedTotal: number;
}

/**
 * True when the resource is private, sealed or confidential (`meta.security` R, V or NOPAT) or tagged with a
 * sensitive-data category. Such items are never shared; they surface only as a `confidential-items` warning.
 */
export function isConfidential(resource: Resource): boolean {
  const security = resource.meta?.security ?? [];
  if (security.some((s) => CONFIDENTIAL_SECURITY.some((c) => c.system === s.system && c.code === s.code))) return true;
  return (resource.meta?.tag ?? []).some((t) => t.system === SENSITIVE_CATEGORY_SYSTEM);
}

/** Removes confidential items (see {@link isConfidential}) and counts them per section, for the warnings. */
export function redactConfidential<T extends Resource>(resources: readonly T[]): RedactionResult<T> {
  const kept: T[] = [];
  const removed: RedactionResult<T>['removed'] = {};
  let removedTotal = 0;
  for (const resource of resources) {
    if (!isConfidential(resource)) {
      kept.push(resource);
      continue;
    }
    const key = sectionOf(resource) ?? 'other';
    removed[key] = (removed[key] ?? 0) + 1;
    removedTotal++;
  }
  return { kept, removed, removedTotal };
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
