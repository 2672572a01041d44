import { Injectable } from '@nestjs/common';
import { fhirJson, WrittenJson, type Bundle, type Resource } from '@lloyd/fhir';
import { isDegraded } from '@lloyd/terminology';
import { buildStructuredBundle, type StructuredBundleInput } from './build-structured-bundle.js';
import type { StructuredSource } from './structured-source.js';

/** A structured-record answer, written as JSON, with what the audit event and the metrics need to know of it. */
export interface StructuredAnswer {
  body: WrittenJson;
  /** The resources it serves, as `Type/id`. */
  resources: readonly string[];
  /** How many of them carry codes that could not be translated to SNOMED CT. */
  degraded: number;
}

/** An answer written once, with a slot wherever the time it is served goes. */
interface Template {
  /** The answer's JSON, split at each slot. */
  parts: readonly string[];
  resources: readonly string[];
  degraded: number;
  /** The redaction results it was made from: the prepared record's, checked on reuse. */
  redactions: StructuredSource['redactions'];
  withheld: StructuredSource['withheld'];
}

export type StructuredAnswerInput = Omit<StructuredBundleInput, 'stamp'>;

/**
 * Marks the slots while a template is written: text no system sends (NUL characters), and the template is refused
 * unless it occurs exactly where the answer's time goes, so a record that did contain it is still answered right.
 */
const SLOT = '\u0000lloyd:answer-time\u0000';
const SLOT_JSON = JSON.stringify(SLOT);
/** Different requests for one version of one record (other areas, filters, grants) kept at once. */
const VARIANTS_PER_RECORD = 4;

/**
 * Writes structured-record answers. A record held unchanged between requests (frozen, while its system answers
 * "not modified") gets the same answer for the same request and grant every time, except for the time it is served
 * (each List's `date` and the Bundle's `meta.lastUpdated`). So that answer is built and written once, as a template,
 * and each later request only puts its own time into it: building and writing the Bundle was about a third of the
 * gateway's work per request.
 *
 * Templates live as long as the record they were made from is held (a WeakMap on it), a few per record.
 */
@Injectable()
export class StructuredAnswers {
  private readonly templates = new WeakMap<object, Map<string, Template>>();

  answer(input: StructuredAnswerInput, now: Date): StructuredAnswer {
    const stamp = now.toISOString();
    const { record, redactions, withheld } = input.prepared;
    if (!Object.isFrozen(record)) return written(buildStructuredBundle({ ...input, stamp }));
    const key = variantKey(input);
    let variants = this.templates.get(record);
    let template = variants?.get(key);
    if (template && (template.redactions !== redactions || template.withheld !== withheld)) template = undefined;
    if (!template) {
      const made = makeTemplate(input);
      if (!made) return written(buildStructuredBundle({ ...input, stamp }));
      template = made;
      if (!variants) {
        variants = new Map();
        this.templates.set(record, variants);
      }
      variants.delete(key);
      if (variants.size >= VARIANTS_PER_RECORD) variants.delete(variants.keys().next().value!);
      variants.set(key, template);
    }
    return {
      body: new WrittenJson(template.parts.join(JSON.stringify(stamp))),
      resources: template.resources,
      degraded: template.degraded,
    };
  }
}

/** Everything besides the record that the Bundle is made from (the grant: all of `StructuredGrant`). */
function variantKey(input: StructuredAnswerInput): string {
  const { decision } = input.prepared;
  return JSON.stringify([
    input.request,
    decision.sections,
    decision.linkedSections,
    decision.warnings,
    input.baseUrl,
    input.dataInTransit,
  ]);
}

function served(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

function written(bundle: Bundle): StructuredAnswer {
  const resources = served(bundle);
  return {
    body: new WrittenJson(fhirJson(bundle)),
    resources: resources.map(reference),
    degraded: resources.filter(isDegraded).length,
  };
}

function makeTemplate(input: StructuredAnswerInput): Template | undefined {
  const bundle = buildStructuredBundle({ ...input, stamp: SLOT });
  const resources = served(bundle);
  const slots = 1 + resources.filter((r) => r.resourceType === 'List' && (r as fhir4.List).date === SLOT).length;
  if (bundle.meta?.lastUpdated !== SLOT) return undefined;
  const parts = fhirJson(bundle).split(SLOT_JSON);
  if (parts.length !== slots + 1) return undefined;
  return {
    parts: Object.freeze(parts),
    resources: Object.freeze(resources.map(reference)),
    degraded: resources.filter(isDegraded).length,
    redactions: input.prepared.redactions,
    withheld: input.prepared.withheld,
  };
}

const reference = (r: Resource) => `${r.resourceType}/${r.id ?? ''}`;
