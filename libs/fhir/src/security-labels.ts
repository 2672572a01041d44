import type { Resource } from './r4.js';

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** Restricted (R) and very restricted (V) confidentiality; NOPAT: not to be shown to the patient (private). */
const CONFIDENTIAL_LABELS: readonly { system: string; code: string }[] = [
  { system: CONFIDENTIALITY_SYSTEM, code: 'R' },
  { system: CONFIDENTIALITY_SYSTEM, code: 'V' },
  { system: ACT_CODE_SYSTEM, code: 'NOPAT' },
];

/** True for a security label that marks an item private, sealed or confidential (R, V or NOPAT). */
export function isConfidentialityLabel(label: { system?: unknown; code?: unknown }): boolean {
  return CONFIDENTIAL_LABELS.some((known) => known.system === label.system && known.code === label.code);
}

/**
 * True when the practice marked the item private, sealed or confidential (`meta.security` R, V or NOPAT). Adapters
 * keep such items and this mark; the access chain withholds them from sharing, and GP2GP carries the mark on.
 */
export function hasConfidentialityLabel(resource: Resource): boolean {
  return (resource.meta?.security ?? []).some(isConfidentialityLabel);
}
