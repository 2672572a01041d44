import { compact, type Source } from './context.js';
import { ReportBuilder } from './report.js';

/** The elements every resource has: id, meta (confidentiality kept, STU3 profiles dropped), narrative, language. */
export function header<T extends string>(src: Source, resourceType: T, id: string) {
  return compact({
    resourceType,
    id,
    meta: src.ctx.meta(src.raw['meta']),
    text: src.ctx.convert(src.raw['text'], `${src.type}.text`) as fhir4.Narrative | undefined,
    language: typeof src.raw['language'] === 'string' ? src.raw['language'] : undefined,
    implicitRules: typeof src.raw['implicitRules'] === 'string' ? src.raw['implicitRules'] : undefined,
  });
}

/** The patient reference of a clinical item; every item of a structured record is about its patient. */
export function patientOf(src: Source, key: string): fhir4.Reference {
  const reference = src.dt<fhir4.Reference>(key);
  if (reference?.reference || reference?.identifier) return reference;
  return { reference: src.ctx.patientReference ?? 'Patient/unknown' };
}

/** A `Reference` element only when it points to an Encounter (STU3 `context` may also name an EpisodeOfCare). */
export function encounterOnly(reference: fhir4.Reference | undefined): fhir4.Reference | undefined {
  return reference?.reference?.startsWith('Encounter/') ? reference : undefined;
}

/** STU3 `requester: { agent, onBehalfOf }` → R4 `requester` (the agent). */
export function requesterAgent(src: Source): fhir4.Reference | undefined {
  const requester = src.take('requester');
  if (typeof requester !== 'object' || requester === null) return undefined;
  if ('onBehalfOf' in requester)
    ReportBuilder.count(src.ctx.report.droppedElements, `${src.type}.requester.onBehalfOf`);
  return src.ctx.convert((requester as Record<string, unknown>)['agent'], `${src.type}.requester.agent`) as
    fhir4.Reference | undefined;
}
