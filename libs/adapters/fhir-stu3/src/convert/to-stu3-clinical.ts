/**
 * R4 → STU3 for the canonical record's clinical items other than medication: the reverse of problems.ts,
 * encounters.ts, immunizations.ts, requests.ts and documents.ts, so that a GP Connect-style provider can file them
 * and serve them back as the forward conversion expects.
 */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { DIARY_ENTRY_CATEGORY } from './requests.js';
import {
  codeOf,
  compact,
  rest,
  STU3_EXT,
  stu3Header,
  toStu3Requester,
  toStu3Value,
  type Json,
} from './to-stu3-base.js';

const encounterExtension = (encounter: fhir4.Reference | undefined): fhir4.Extension[] =>
  encounter ? [{ url: STU3_EXT.associatedEncounter, valueReference: encounter }] : [];

export function toStu3AllergyIntolerance(r: fhir4.AllergyIntolerance): Json {
  const end = r.extension?.find((e) => e.url === EXTENSIONS.allergyEnd);
  const header = stu3Header(r, 'AllergyIntolerance', [EXTENSIONS.allergyEnd]);
  const extension = [
    ...((header['extension'] as Json[] | undefined) ?? []),
    ...(end ? [{ url: STU3_EXT.allergyEnd, extension: end.extension ?? [] }] : []),
    ...encounterExtension(r.encounter),
  ];
  return compact({
    ...header,
    extension,
    ...rest(r, ['clinicalStatus', 'verificationStatus', 'recordedDate', 'encounter', 'onsetDateTime', 'patient']),
    clinicalStatus: codeOf(r.clinicalStatus),
    // STU3 requires a verification status.
    verificationStatus: codeOf(r.verificationStatus) ?? 'unconfirmed',
    patient: toStu3Value(r.patient),
    onsetDateTime: r.onsetDateTime,
    assertedDate: r.recordedDate,
  });
}

export function toStu3Condition(r: fhir4.Condition): Json {
  const mapped = [
    EXTENSIONS.problemSignificance,
    EXTENSIONS.relatedClinicalContent,
    EXTENSIONS.actualProblem,
    EXTENSIONS.relatedProblem,
  ];
  const header = stu3Header(r, 'Condition', mapped);
  const extension = [
    ...((header['extension'] as Json[] | undefined) ?? []),
    ...(r.extension ?? [])
      .filter((e) => e.url === EXTENSIONS.problemSignificance)
      .map((e) => ({ url: STU3_EXT.problemSignificance, valueCode: e.valueCode })),
    ...(r.extension ?? [])
      .filter((e) => e.url === EXTENSIONS.actualProblem)
      .map((e) => ({ url: STU3_EXT.actualProblem, valueReference: e.valueReference })),
    ...(r.extension ?? [])
      .filter((e) => e.url === EXTENSIONS.relatedClinicalContent)
      .map((e) => ({ url: STU3_EXT.relatedClinicalContent, valueReference: e.valueReference })),
    ...(r.extension ?? [])
      .filter((e) => e.url === EXTENSIONS.relatedProblem)
      .map((e) => ({ url: STU3_EXT.relatedProblemHeader, extension: e.extension })),
  ];
  return compact({
    ...header,
    extension,
    ...rest(r, ['clinicalStatus', 'verificationStatus', 'recordedDate', 'encounter', 'stage']),
    clinicalStatus: codeOf(r.clinicalStatus),
    verificationStatus: codeOf(r.verificationStatus),
    context: toStu3Value(r.encounter),
    assertedDate: r.recordedDate,
    stage: toStu3Value(r.stage?.[0]),
  });
}

export function toStu3Encounter(r: fhir4.Encounter): Json {
  return compact({
    ...stu3Header(r, 'Encounter'),
    ...rest(r, ['basedOn', 'reasonCode', 'appointment', 'reasonReference', 'serviceType', 'diagnosis']),
    diagnosis: r.diagnosis?.map((d) => compact({ ...rest(d, ['use']), role: toStu3Value(d.use) })),
    incomingReferral: toStu3Value(r.basedOn),
    reason: toStu3Value(r.reasonCode),
    appointment: toStu3Value(r.appointment?.[0]),
  });
}

export function toStu3Observation(r: fhir4.Observation): Json {
  const related = [
    ...(r.hasMember ?? []).map((target) => ({ type: 'has-member', target: toStu3Value(target) })),
    ...(r.derivedFrom ?? []).map((target) => ({ type: 'derived-from', target: toStu3Value(target) })),
  ];
  const comment = r.note?.map((n) => n.text).join('\n');
  return compact({
    ...stu3Header(r, 'Observation'),
    ...rest(r, ['encounter', 'note', 'interpretation', 'hasMember', 'derivedFrom', 'component', 'focus', 'partOf']),
    context: toStu3Value(r.encounter),
    comment: comment || undefined,
    interpretation: toStu3Value(r.interpretation?.[0]),
    related,
    component: r.component?.map((c) =>
      compact({ ...rest(c, ['interpretation']), interpretation: toStu3Value(c.interpretation?.[0]) }),
    ),
  });
}

export function toStu3DiagnosticReport(r: fhir4.DiagnosticReport): Json {
  return compact({
    ...stu3Header(r, 'DiagnosticReport'),
    ...rest(r, ['category', 'encounter', 'performer', 'media', 'conclusionCode', 'resultsInterpreter']),
    category: toStu3Value(r.category?.[0]),
    context: toStu3Value(r.encounter),
    performer: r.performer?.map((actor) => ({ actor: toStu3Value(actor) })),
    image: toStu3Value(r.media),
    codedDiagnosis: toStu3Value(r.conclusionCode),
  });
}

export function toStu3Specimen(r: fhir4.Specimen): Json {
  const collection = r.collection
    ? rest(r.collection, ['fastingStatusCodeableConcept', 'fastingStatusDuration'])
    : undefined;
  return compact({
    ...stu3Header(r, 'Specimen'),
    ...rest(r, ['collection', 'condition']),
    collection: collection && Object.keys(collection).length > 0 ? collection : undefined,
  });
}

export function toStu3Immunization(r: fhir4.Immunization): Json {
  const header = stu3Header(r, 'Immunization');
  const extension = [
    ...((header['extension'] as Json[] | undefined) ?? []),
    ...(r.recorded ? [{ url: STU3_EXT.dateRecorded, valueDateTime: r.recorded }] : []),
  ];
  const explanation = compact({
    reason: toStu3Value(r.reasonCode),
    reasonNotGiven: r.statusReason ? [toStu3Value(r.statusReason)] : undefined,
  });
  const protocol = r.protocolApplied?.map((p) =>
    compact({
      doseSequence: p.doseNumberPositiveInt,
      series: p.series,
      authority: toStu3Value(p.authority),
      targetDisease: toStu3Value(p.targetDisease),
      seriesDoses: p.seriesDosesPositiveInt,
    }),
  );
  return compact({
    ...header,
    extension,
    identifier: toStu3Value(r.identifier),
    status: r.status === 'entered-in-error' ? 'entered-in-error' : 'completed',
    notGiven: r.status === 'not-done',
    vaccineCode: toStu3Value(r.vaccineCode),
    patient: toStu3Value(r.patient),
    encounter: toStu3Value(r.encounter),
    date: r.occurrenceDateTime,
    primarySource: r.primarySource ?? true,
    reportOrigin: toStu3Value(r.reportOrigin),
    location: toStu3Value(r.location),
    manufacturer: toStu3Value(r.manufacturer),
    lotNumber: r.lotNumber,
    expirationDate: r.expirationDate,
    site: toStu3Value(r.site),
    route: toStu3Value(r.route),
    doseQuantity: toStu3Value(r.doseQuantity),
    practitioner: r.performer?.map((p) => compact({ role: toStu3Value(p.function), actor: toStu3Value(p.actor) })),
    note: toStu3Value(r.note),
    explanation: Object.keys(explanation).length > 0 ? explanation : undefined,
    reaction: toStu3Value(r.reaction),
    vaccinationProtocol: protocol,
  });
}

function requestStatus(status: fhir4.ServiceRequest['status']): string {
  if (status === 'on-hold') return 'suspended';
  if (status === 'revoked') return 'cancelled';
  return status;
}

const hasCategory = (r: fhir4.ServiceRequest, coding: fhir4.Coding) =>
  r.category?.some((c) => c.coding?.some((k) => k.system === coding.system && k.code === coding.code)) ?? false;

/** The categories beyond the marker that tells a referral from a diary entry (the forward conversion adds it). */
function otherCategories(r: fhir4.ServiceRequest): fhir4.CodeableConcept[] {
  return (r.category ?? []).filter(
    (c) => !c.coding?.some((k) => k.code === DIARY_ENTRY_CATEGORY.code || k.code === '3457005'),
  );
}

/** A ServiceRequest becomes a ProcedureRequest (a diary entry) or, otherwise, a ReferralRequest. */
export function stu3RequestType(r: fhir4.ServiceRequest): 'ProcedureRequest' | 'ReferralRequest' {
  return hasCategory(r, DIARY_ENTRY_CATEGORY) ? 'ProcedureRequest' : 'ReferralRequest';
}

export function toStu3ServiceRequest(r: fhir4.ServiceRequest): Json {
  const type = stu3RequestType(r);
  const common = {
    ...stu3Header(r, type),
    identifier: toStu3Value(r.identifier),
    basedOn: toStu3Value(r.basedOn),
    replaces: toStu3Value(r.replaces),
    status: requestStatus(r.status),
    intent: r.intent === 'order' || r.intent === 'plan' || r.intent === 'proposal' ? r.intent : 'order',
    priority: r.priority,
    subject: toStu3Value(r.subject),
    context: toStu3Value(r.encounter),
    occurrenceDateTime: r.occurrenceDateTime,
    occurrencePeriod: toStu3Value(r.occurrencePeriod),
    authoredOn: r.authoredOn,
    requester: toStu3Requester(r.requester),
    reasonCode: toStu3Value(r.reasonCode),
    reasonReference: toStu3Value(r.reasonReference),
    supportingInfo: toStu3Value(r.supportingInfo),
    note: toStu3Value(r.note),
    relevantHistory: toStu3Value(r.relevantHistory),
  };
  if (type === 'ProcedureRequest') {
    return compact({
      ...common,
      requisition: toStu3Value(r.requisition),
      category: toStu3Value(otherCategories(r)),
      doNotPerform: r.doNotPerform,
      code: toStu3Value(r.code) ?? { text: 'unknown' },
      occurrenceTiming: toStu3Value(r.occurrenceTiming),
      performerType: toStu3Value(r.performerType),
      performer: toStu3Value(r.performer?.[0]),
      specimen: toStu3Value(r.specimen),
      bodySite: toStu3Value(r.bodySite),
    });
  }
  const requested = [r.code, ...(r.orderDetail ?? [])].filter((c) => c !== undefined);
  return compact({
    ...common,
    groupIdentifier: toStu3Value(r.requisition),
    type: toStu3Value(otherCategories(r)[0]),
    serviceRequested: toStu3Value(requested),
    specialty: toStu3Value(r.performerType),
    recipient: toStu3Value(r.performer),
  });
}

function indexedFrom(created: string | undefined): string {
  if (created && /^\d{4}-\d{2}-\d{2}T/.test(created)) return created;
  if (created && /^\d{4}-\d{2}-\d{2}$/.test(created)) return `${created}T00:00:00+00:00`;
  return new Date().toISOString();
}

export function toStu3DocumentReference(r: fhir4.DocumentReference, attachmentUrl?: string): Json {
  const created = r.content.find((c) => c.attachment.creation)?.attachment.creation;
  const content = r.content.map((c, i) =>
    compact({
      attachment: toStu3Value(i === 0 && attachmentUrl ? { ...c.attachment, url: attachmentUrl } : c.attachment),
      format: toStu3Value(c.format),
    }),
  );
  const context = r.context
    ? compact({
        ...rest(r.context, ['encounter', 'related']),
        encounter: toStu3Value(r.context.encounter?.[0]),
        related: r.context.related?.map((ref) => ({ ref: toStu3Value(ref) })),
      })
    : undefined;
  return compact({
    ...stu3Header(r, 'DocumentReference'),
    masterIdentifier: toStu3Value(r.masterIdentifier),
    identifier: toStu3Value(r.identifier),
    status: r.status,
    docStatus: r.docStatus,
    type: toStu3Value(r.type) ?? { text: r.description ?? 'Document' },
    class: toStu3Value(r.category?.[0]),
    subject: toStu3Value(r.subject),
    created,
    // STU3 requires when the document was indexed: when it was created, else now (it is being indexed here).
    indexed: r.date ?? indexedFrom(created),
    author: toStu3Value(r.author),
    authenticator: toStu3Value(r.authenticator),
    custodian: toStu3Value(r.custodian),
    relatesTo: toStu3Value(r.relatesTo),
    description: r.description,
    securityLabel: toStu3Value(r.securityLabel),
    content,
    context: context && Object.keys(context).length > 0 ? context : undefined,
  });
}
