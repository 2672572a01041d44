import { v3CodeSystemFor } from '../datatypes/code-systems.js';
import type { BuildContext } from './build-context.js';

/** Calls `visit` with every CodeableConcept in a resource (any object with a `coding` array), depth first. */
function eachConcept(value: unknown, visit: (concept: fhir4.CodeableConcept) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) eachConcept(v, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  if (Array.isArray(object['coding'])) visit(object);
  // A plain loop and a callback: this walks every item of every record sent, and nested generators cost far more.
  for (const key in object) if (key !== 'coding') eachConcept(object[key], visit);
}

/**
 * Tells `onPartNotCarried` about every coding of the record that no HL7 V3 `codeSystem` can name (no system, or a
 * system that is not an absolute URI), before the extract is written: such a coding travels only as the concept's
 * text (and the item is degraded when it had no SNOMED CT coding). Every other coding travels: SNOMED CT as the
 * code, the rest as translations (see `writeConcept`).
 */
export function reportUncarriableCodings(ctx: BuildContext): void {
  const { record } = ctx;
  for (const resource of [...record.practitionerRoles, ...record.resources]) {
    eachConcept(resource, (concept) => {
      for (const coding of concept.coding ?? []) {
        if (!coding.code || v3CodeSystemFor(coding.system)) continue;
        ctx.onPartNotCarried(resource, {
          kind: 'coding',
          detail: `${coding.system ?? '(no system)'}|${coding.code}`,
        });
      }
    });
  }
}
