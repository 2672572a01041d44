import { v3CodeSystemFor } from '../datatypes/code-systems.js';
import type { BuildContext } from './build-context.js';

/** Every CodeableConcept in a resource (any object with a `coding` array), depth first. */
function* concepts(value: unknown): Generator<fhir4.CodeableConcept> {
  if (Array.isArray(value)) {
    for (const v of value) yield* concepts(v);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Record<string, unknown>;
  if (Array.isArray(object['coding'])) yield object;
  for (const [key, v] of Object.entries(object)) if (key !== 'coding') yield* concepts(v);
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
    for (const concept of concepts(resource)) {
      for (const coding of concept.coding ?? []) {
        if (!coding.code || v3CodeSystemFor(coding.system)) continue;
        ctx.onPartNotCarried(resource, {
          kind: 'coding',
          detail: `${coding.system ?? '(no system)'}|${coding.code}`,
        });
      }
    }
  }
}
