import { EXTENSIONS } from '@lloyd/adapters-core';
import type { NativeAllergy, NativeImmunisation, NativeObservation, NativeProblem } from './record-schema.js';
import {
  ALLERGY_END_EXTENSION,
  compact,
  concept,
  encounterOf,
  metaFor,
  quantity,
  type MappingContext,
} from './mapping-support.js';

const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * An allergy. Drug allergies are `medication`, others `environment`, as GP Connect categorises them (the system
 * does not say food or environment). A resolved allergy keeps its end date and reason in {@link ALLERGY_END_EXTENSION}.
 */
export function mapAllergy(ctx: MappingContext, a: NativeAllergy): fhir4.AllergyIntolerance {
  const ended = a.Ended || undefined;
  const end = ended
    ? [
        ...(ended['@date'] ? [{ url: 'endDate', valueDateTime: ended['@date'] }] : []),
        ...(ended['@reason'] ? [{ url: 'reasonEnded', valueString: ended['@reason'] }] : []),
      ]
    : [];
  const reaction = a.Reaction?.['#text'] ? a.Reaction : undefined;
  return compact({
    resourceType: 'AllergyIntolerance' as const,
    id: a['@id'],
    ...metaFor(a['@confidential']),
    extension: end.length > 0 ? [{ url: ALLERGY_END_EXTENSION, extension: end }] : undefined,
    clinicalStatus: {
      coding: [{ system: ALLERGY_CLINICAL, code: a['@status'], display: capitalised(a['@status']) }],
    },
    verificationStatus: { coding: [{ system: ALLERGY_VERIFICATION, code: 'confirmed', display: 'Confirmed' }] },
    category: [a['@category'] === 'drug' ? ('medication' as const) : ('environment' as const)],
    code: concept(ctx, a),
    patient: ctx.patient,
    encounter: encounterOf(ctx, a['@consultation']),
    onsetDateTime: a['@date'],
    recordedDate: a['@date'],
    reaction: reaction
      ? [compact({ manifestation: [{ text: reaction['#text'] }], severity: reaction['@severity'] })]
      : undefined,
  });
}

/**
 * A problem: a Condition on the problem list, with GP Connect's significance and the items and consultations linked
 * to it. Links to anything the record does not hold are left out, so every reference resolves.
 */
export function mapProblem(
  ctx: MappingContext,
  p: NativeProblem,
  linkTarget: (id: string) => fhir4.Reference | undefined,
): fhir4.Condition {
  const related = p.Link.map((link) => linkTarget(link['@ref']))
    .filter((ref): ref is fhir4.Reference => ref !== undefined)
    .map((valueReference) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference }));
  return compact({
    resourceType: 'Condition' as const,
    id: p['@id'],
    ...metaFor(p['@confidential']),
    extension: [{ url: EXTENSIONS.problemSignificance, valueCode: p['@significance'] }, ...related],
    clinicalStatus: {
      coding: [{ system: CONDITION_CLINICAL, code: p['@status'], display: capitalised(p['@status']) }],
    },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: concept(ctx, p),
    subject: ctx.patient,
    encounter: encounterOf(ctx, p['@consultation']),
    onsetDateTime: p['@date'],
    abatementDateTime: p['@endDate'],
    recordedDate: p['@date'],
  });
}

/** A measurement or finding outside test results: uncategorised data. */
export function mapObservation(ctx: MappingContext, o: NativeObservation): fhir4.Observation {
  return compact({
    resourceType: 'Observation' as const,
    id: o['@id'],
    ...metaFor(o['@confidential']),
    status: 'final' as const,
    code: concept(ctx, o),
    subject: ctx.patient,
    encounter: encounterOf(ctx, o['@consultation']),
    effectiveDateTime: o['@date'],
    valueQuantity: o.Value ? quantity(o.Value['@value'], o.Value['@unit']) : undefined,
    note: o.Comment ? [{ text: o.Comment }] : undefined,
  });
}

/** An immunisation: `completed`, or `not-done` with the reason. */
export function mapImmunisation(ctx: MappingContext, i: NativeImmunisation): fhir4.Immunization {
  const given = i['@given'];
  return compact({
    resourceType: 'Immunization' as const,
    id: i['@id'],
    ...metaFor(i['@confidential']),
    status: given ? ('completed' as const) : ('not-done' as const),
    statusReason: !given && i.NotGivenReason ? { text: i.NotGivenReason } : undefined,
    vaccineCode: concept(ctx, i),
    patient: ctx.patient,
    encounter: encounterOf(ctx, i['@consultation']),
    occurrenceDateTime: i['@date'],
    primarySource: true,
    lotNumber: i.Batch,
    site: i.Site ? { text: i.Site } : undefined,
    protocolApplied: i['@sequence'] ? [{ doseNumberPositiveInt: i['@sequence'] }] : undefined,
  });
}
