/**
 * Journal entries that map to one resource each: allergies, problems, uncategorised observations, immunisations,
 * referrals and attachments. Shapes follow GP Connect Access Record Structured, translated to R4.
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { compact } from '@lloyd/adapters-core';
import type { EntryOf } from '../native.js';
import {
  ALLERGY_END_EXTENSION,
  codeableConcept,
  confidentialMeta,
  fhirDate,
  practitionerRef,
  quantity,
  type EntryContext,
} from './context.js';

const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';

const coded = (system: string, code: string, display?: string): fhir4.CodeableConcept => ({
  coding: [display ? { system, code, display } : { system, code }],
});

export function mapAllergy(e: EntryOf<'allergy'>, ctx: EntryContext): fhir4.AllergyIntolerance {
  const resolved = e.status === 'resolved';
  const end = resolved && e.resolution ? e.resolution : undefined;
  const endExtension: fhir4.Extension[] = end
    ? [
        end.date ? { url: 'endDate', valueDateTime: fhirDate(end.date) } : undefined,
        end.reason ? { url: 'reasonEnded', valueString: end.reason } : undefined,
      ].filter((x) => x !== undefined)
    : [];
  return compact({
    resourceType: 'AllergyIntolerance' as const,
    id: e.entryId,
    meta: confidentialMeta(ctx.confidential),
    extension: endExtension.length > 0 ? [{ url: ALLERGY_END_EXTENSION, extension: endExtension }] : undefined,
    clinicalStatus: coded(ALLERGY_CLINICAL, resolved ? 'resolved' : 'active', resolved ? 'Resolved' : 'Active'),
    verificationStatus: coded(ALLERGY_VERIFICATION, 'confirmed', 'Confirmed'),
    // GP Connect files non-drug allergies under environment, whatever the allergen.
    category: [e.allergyType === 'drug' ? ('medication' as const) : ('environment' as const)],
    code: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    patient: ctx.patient,
    encounter: ctx.encounter,
    onsetDateTime: fhirDate(e.date),
    recordedDate: fhirDate(e.date),
    reaction: e.reactions
      .filter((r) => r.description)
      .map((r) => compact({ manifestation: [{ text: r.description }], severity: r.severity })),
  });
}

export function mapProblem(e: EntryOf<'problem'>, ctx: EntryContext): fhir4.Condition {
  // Links to anything the record does not hold are left out, so every reference resolves.
  const related = [...e.linked.events.map(ctx.encounterRef), ...e.linked.entries.map(ctx.referenceTo)].filter(
    (ref) => ref !== undefined,
  );
  const active = e.status === 'active';
  return compact({
    resourceType: 'Condition' as const,
    id: e.entryId,
    meta: confidentialMeta(ctx.confidential),
    extension: [
      { url: EXTENSIONS.problemSignificance, valueCode: e.significance },
      ...related.map((ref) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference: ref })),
    ],
    clinicalStatus: coded(CONDITION_CLINICAL, active ? 'active' : 'inactive', active ? 'Active' : 'Inactive'),
    category: [coded(CONDITION_CATEGORY, 'problem-list-item', 'Problem List Item')],
    code: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    subject: ctx.patient,
    encounter: ctx.encounter,
    onsetDateTime: fhirDate(e.date),
    abatementDateTime: e.endDate ? fhirDate(e.endDate) : undefined,
    recordedDate: fhirDate(e.date),
  });
}

export function mapObservation(e: EntryOf<'observation'>, ctx: EntryContext): fhir4.Observation {
  return compact({
    resourceType: 'Observation' as const,
    id: e.entryId,
    meta: confidentialMeta(ctx.confidential),
    status: 'final' as const,
    code: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    subject: ctx.patient,
    encounter: ctx.encounter,
    effectiveDateTime: fhirDate(e.date),
    valueQuantity: e.value ? quantity(e.value.value, e.value.units) : undefined,
    note: e.comment ? [{ text: e.comment }] : undefined,
  });
}

export function mapImmunisation(e: EntryOf<'immunisation'>, ctx: EntryContext): fhir4.Immunization {
  return compact({
    resourceType: 'Immunization' as const,
    id: e.entryId,
    meta: confidentialMeta(ctx.confidential),
    status: e.given ? ('completed' as const) : ('not-done' as const),
    statusReason: !e.given && e.reasonNotGiven ? { text: e.reasonNotGiven } : undefined,
    vaccineCode: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    patient: ctx.patient,
    encounter: ctx.encounter,
    occurrenceDateTime: fhirDate(e.date),
    primarySource: true,
    lotNumber: e.batchNumber,
    site: e.site ? { text: e.site } : undefined,
    protocolApplied: e.doseNumber !== undefined ? [{ doseNumberPositiveInt: e.doseNumber }] : undefined,
  });
}

const REFERRAL_STATUS: Record<EntryOf<'referral'>['status'], fhir4.ServiceRequest['status']> = {
  draft: 'draft',
  sent: 'active',
  completed: 'completed',
  cancelled: 'revoked',
};
// ServiceRequest has no two-week-wait priority; "asap" is the nearest (urgent cancer pathway).
const REFERRAL_PRIORITY: Record<EntryOf<'referral'>['urgency'], fhir4.ServiceRequest['priority']> = {
  routine: 'routine',
  urgent: 'urgent',
  twoWeekWait: 'asap',
};

export function mapReferral(e: EntryOf<'referral'>, ctx: EntryContext): fhir4.ServiceRequest {
  return compact({
    resourceType: 'ServiceRequest' as const,
    id: e.entryId,
    meta: confidentialMeta(ctx.confidential),
    status: REFERRAL_STATUS[e.status],
    intent: 'order' as const,
    priority: REFERRAL_PRIORITY[e.urgency],
    code: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    subject: ctx.patient,
    encounter: ctx.encounter,
    authoredOn: fhirDate(e.date),
    requester: ctx.consultingClinician,
    performerType: e.specialty ? { text: e.specialty } : undefined,
    performer: e.recipient?.name ? [{ display: e.recipient.name }] : undefined,
    reasonCode: e.reason ? [{ text: e.reason }] : undefined,
  });
}

/**
 * A document. The attachment describes the content (type, size, title, date) without pointing at the supplier
 * system: its URLs are internal to Lloyd's connection to the practice and never leave it.
 */
export function mapAttachment(e: EntryOf<'attachment'>, ctx: EntryContext): fhir4.DocumentReference {
  const author = practitionerRef(e.author?.userId);
  return compact({
    resourceType: 'DocumentReference' as const,
    id: e.entryId,
    meta: confidentialMeta(ctx.confidential),
    status: 'current' as const,
    type: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    subject: ctx.patient,
    author: author ? [author] : undefined,
    description: e.title,
    content: [
      {
        attachment: compact({
          contentType: e.mimeType,
          size: e.sizeBytes,
          title: e.title,
          creation: fhirDate(e.date),
        }),
      },
    ],
    context: compact({
      encounter: ctx.encounter ? [ctx.encounter] : undefined,
      period: { start: fhirDate(e.date) },
    }),
  });
}
