/**
 * ProcedureRequest (GP Connect diary entries) and ReferralRequest (outbound referrals) both became R4 ServiceRequest;
 * the category tells them apart.
 */
import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { encounterOnly, header, patientOf, requesterAgent } from './base.js';
import { compact, isObject, type Source } from './context.js';
import { ReportBuilder } from './report.js';

/** The category of a referral (SNOMED CT 3457005 |Patient referral|, as UK Core uses). */
export const REFERRAL_CATEGORY: fhir4.Coding = {
  system: CODE_SYSTEMS.snomed,
  code: '3457005',
  display: 'Patient referral',
};

/** The category of a GP Connect diary entry: the SNOMED CT code of GP Connect's "Patient recall administration" list. */
export const DIARY_ENTRY_CATEGORY: fhir4.Coding = {
  system: CODE_SYSTEMS.snomed,
  code: '714311000000108',
  display: 'Patient recall administration',
};

/** STU3 request statuses R4 renamed. */
function requestStatus(src: Source): fhir4.ServiceRequest['status'] {
  const status = src.string('status');
  switch (status) {
    case 'suspended':
      return 'on-hold';
    case 'cancelled':
      return 'revoked';
    case 'draft':
    case 'active':
    case 'completed':
    case 'entered-in-error':
    case 'unknown':
      return status;
    case undefined:
    default:
      return 'unknown';
  }
}

function occurrence(src: Source) {
  return {
    occurrenceDateTime: src.string('occurrenceDateTime'),
    occurrencePeriod: src.dt<fhir4.Period>('occurrencePeriod'),
    occurrenceTiming: src.dt<fhir4.Timing>('occurrenceTiming'),
  };
}

function dropDefinition(src: Source): void {
  if (src.take('definition') !== undefined)
    ReportBuilder.count(src.ctx.report.droppedElements, `${src.type}.definition`);
}

function withCategory(category: fhir4.Coding, others: fhir4.CodeableConcept[] | undefined): fhir4.CodeableConcept[] {
  return [{ coding: [{ ...category }], text: category.display }, ...(others ?? [])];
}

export function convertProcedureRequest(src: Source, id: string): fhir4.ServiceRequest {
  dropDefinition(src);
  const performer = src.dt<fhir4.Reference>('performer');
  return compact({
    ...header(src, 'ServiceRequest', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    basedOn: src.dt<fhir4.Reference[]>('basedOn'),
    replaces: src.dt<fhir4.Reference[]>('replaces'),
    requisition: src.dt<fhir4.Identifier>('requisition'),
    status: requestStatus(src),
    intent: (src.string('intent') ?? 'plan') as fhir4.ServiceRequest['intent'],
    category: withCategory(DIARY_ENTRY_CATEGORY, src.concepts('category')),
    priority: src.dt<fhir4.ServiceRequest['priority']>('priority'),
    doNotPerform: src.boolean('doNotPerform'),
    code: src.concept('code'),
    subject: patientOf(src, 'subject'),
    encounter: encounterOnly(src.dt<fhir4.Reference>('context')),
    ...occurrence(src),
    asNeededBoolean: src.boolean('asNeededBoolean'),
    asNeededCodeableConcept: src.concept('asNeededCodeableConcept'),
    authoredOn: src.string('authoredOn'),
    requester: requesterAgent(src),
    performerType: src.concept('performerType'),
    performer: performer ? [performer] : undefined,
    reasonCode: src.concepts('reasonCode'),
    reasonReference: src.dt<fhir4.Reference[]>('reasonReference'),
    supportingInfo: src.dt<fhir4.Reference[]>('supportingInfo'),
    specimen: src.dt<fhir4.Reference[]>('specimen'),
    bodySite: src.concepts('bodySite'),
    note: src.dt<fhir4.Annotation[]>('note'),
    relevantHistory: src.dt<fhir4.Reference[]>('relevantHistory'),
  });
}

export function convertReferralRequest(src: Source, id: string): fhir4.ServiceRequest {
  dropDefinition(src);
  const type = src.concept('type');
  const requested = src.concepts('serviceRequested') ?? [];
  const [code, ...details] = requested.length > 0 ? requested : type ? [type] : [];
  const description = src.string('description');
  const notes = [...(description ? [{ text: description }] : []), ...(src.dt<fhir4.Annotation[]>('note') ?? [])];
  const specialty = src.concept('specialty');
  const requestedType = requested.length > 0 && type ? [type] : undefined;
  const groupIdentifier = src.take('groupIdentifier');
  return compact({
    ...header(src, 'ServiceRequest', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    basedOn: src.dt<fhir4.Reference[]>('basedOn'),
    replaces: src.dt<fhir4.Reference[]>('replaces'),
    requisition: isObject(groupIdentifier)
      ? (src.ctx.convert(groupIdentifier, 'ReferralRequest.groupIdentifier') as fhir4.Identifier | undefined)
      : undefined,
    status: requestStatus(src),
    intent: (src.string('intent') ?? 'order') as fhir4.ServiceRequest['intent'],
    category: withCategory(REFERRAL_CATEGORY, requestedType),
    priority: src.dt<fhir4.ServiceRequest['priority']>('priority'),
    code,
    orderDetail: details,
    subject: patientOf(src, 'subject'),
    encounter: encounterOnly(src.dt<fhir4.Reference>('context')),
    occurrenceDateTime: src.string('occurrenceDateTime'),
    occurrencePeriod: src.dt<fhir4.Period>('occurrencePeriod'),
    authoredOn: src.string('authoredOn'),
    requester: requesterAgent(src),
    performerType: specialty,
    performer: src.dt<fhir4.Reference[]>('recipient'),
    reasonCode: src.concepts('reasonCode'),
    reasonReference: src.dt<fhir4.Reference[]>('reasonReference'),
    supportingInfo: src.dt<fhir4.Reference[]>('supportingInfo'),
    note: notes.length > 0 ? notes : undefined,
    relevantHistory: src.dt<fhir4.Reference[]>('relevantHistory'),
  });
}
