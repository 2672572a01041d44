/** The clinical items of a record as GP Connect STU3 resources (CareConnect-GPC profiles). */
import type {
  Allergy,
  Clinician,
  Consultation,
  DocumentItem,
  Immunisation,
  Observation,
  Practice,
  Problem,
  Referral,
  SyntheticPatient,
} from '../generator/model.js';
import {
  codeable,
  EXT,
  identifier,
  instant,
  locationId,
  meta,
  practitionerRef,
  ref,
  snomed,
  type Json,
} from './fhir-stu3-common.js';

/** What rendering one patient's items needs to know. */
export interface ItemContext {
  readonly practice: Practice;
  readonly patient: SyntheticPatient;
  readonly clinicians: ReadonlyMap<string, Clinician>;
  readonly consultations: ReadonlyMap<string, Consultation>;
  /** `Type/id` of every item of the record by model id (problems link to items of any kind). */
  readonly references: ReadonlyMap<string, string>;
  /** Absolute base URL of this system, for document URLs. */
  readonly baseUrl: string;
}

export const UCUM = 'http://unitsofmeasure.org';
const FOOD = new Set(['peanut-allergy', 'egg-allergy']);
export const COMMENT_NOTE = snomed('37331000000100', 'Comment note');

export function subject(ctx: ItemContext): Json {
  return ref('Patient', ctx.patient.sourceId);
}

/** The clinician who recorded an item: its consultation's, else the usual GP. */
export function recorder(ctx: ItemContext, consultationId: string | undefined): Json {
  const sds =
    (consultationId && ctx.consultations.get(consultationId)?.clinicianSdsUserId) ||
    ctx.patient.demographics.usualGp.sdsUserId;
  return practitionerRef(ctx.clinicians.get(sds), sds);
}

export function encounter(consultationId: string | undefined): Json | undefined {
  return consultationId ? ref('Encounter', consultationId) : undefined;
}

export function quantity(q: { value: number; unit: string }, ucum = true): Json {
  return ucum ? { value: q.value, unit: q.unit, system: UCUM, code: q.unit } : { value: q.value, unit: q.unit };
}

export function renderAllergy(a: Allergy, ctx: ItemContext): Json {
  const extension: Json[] = [];
  if (a.status === 'resolved') {
    extension.push({
      url: EXT.allergyEnd,
      extension: [
        ...(a.endDate ? [{ url: 'endDate', valueDateTime: a.endDate }] : []),
        ...(a.endReason ? [{ url: 'reasonEnded', valueString: a.endReason }] : []),
      ],
    });
  }
  if (a.consultationId) extension.push({ url: EXT.associatedEncounter, valueReference: encounter(a.consultationId) });
  return {
    resourceType: 'AllergyIntolerance',
    id: a.id,
    meta: meta('AllergyIntolerance', a.confidential),
    ...(extension.length > 0 ? { extension } : {}),
    identifier: identifier(ctx.practice.ods, a.id),
    clinicalStatus: a.status === 'resolved' ? 'resolved' : 'active',
    verificationStatus: 'confirmed',
    type: 'allergy',
    category: [a.category === 'drug' ? 'medication' : FOOD.has(a.concept) ? 'food' : 'environment'],
    code: codeable(a.concept, a.term),
    patient: subject(ctx),
    onsetDateTime: a.date,
    assertedDate: a.date,
    recorder: recorder(ctx, a.consultationId),
    ...(a.reaction
      ? { reaction: [{ manifestation: [{ text: a.reaction }], ...(a.severity ? { severity: a.severity } : {}) }] }
      : {}),
  };
}

export function renderProblem(p: Problem, ctx: ItemContext): Json {
  const related = [
    ...p.consultationIds.map((id) => `Encounter/${id}`),
    ...p.linkedItemIds.map((id) => ctx.references.get(id)),
  ]
    .filter((r): r is string => r !== undefined)
    .map((reference) => ({ url: EXT.relatedClinicalContent, valueReference: { reference } }));
  return {
    resourceType: 'Condition',
    id: p.id,
    meta: meta('ProblemHeader-Condition', p.confidential),
    extension: [{ url: EXT.problemSignificance, valueCode: p.significance }, ...related],
    identifier: identifier(ctx.practice.ods, p.id),
    clinicalStatus: p.status,
    category: [
      {
        coding: [
          {
            system: 'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-ConditionCategory-1',
            code: 'problem-list-item',
            display: 'Problem List Item',
          },
        ],
      },
    ],
    code: codeable(p.concept, p.term),
    subject: subject(ctx),
    ...(p.consultationId ? { context: encounter(p.consultationId) } : {}),
    onsetDateTime: p.date,
    ...(p.status === 'inactive' && p.endDate ? { abatementDateTime: p.endDate } : {}),
    assertedDate: p.date,
    asserter: recorder(ctx, p.consultationId),
  };
}

export function renderEncounter(c: Consultation, ctx: ItemContext): Json {
  const clinician = practitionerRef(ctx.clinicians.get(c.clinicianSdsUserId), c.clinicianSdsUserId);
  const participantType = (system: string, code: string, display: string) => [{ coding: [{ system, code, display }] }];
  return {
    resourceType: 'Encounter',
    id: c.id,
    meta: meta('Encounter', c.confidential),
    identifier: identifier(ctx.practice.ods, c.id),
    status: 'finished',
    type: [{ text: c.type }],
    subject: subject(ctx),
    participant: [
      {
        type: participantType('http://hl7.org/fhir/v3/ParticipationType', 'PPRF', 'primary performer'),
        individual: clinician,
      },
      {
        type: participantType('https://fhir.nhs.uk/STU3/CodeSystem/GPConnect-ParticipantType-1', 'REC', 'recorder'),
        individual: clinician,
      },
    ],
    period: { start: instant(c.date) },
    location: [{ location: ref('Location', locationId(ctx.practice), c.location) }],
    serviceProvider: ref('Organization', ctx.practice.ods, ctx.practice.name),
  };
}

/** A consultation's free text, as GP Connect providers send it: a "Comment note" Observation. */
export function renderNarrative(c: Consultation, ctx: ItemContext): Json | undefined {
  if (!c.narrative) return undefined;
  return {
    resourceType: 'Observation',
    id: `${c.id}-NOTE`,
    meta: meta('Observation', c.confidential),
    identifier: identifier(ctx.practice.ods, `${c.id}-NOTE`),
    status: 'final',
    code: COMMENT_NOTE,
    subject: subject(ctx),
    context: encounter(c.id),
    effectiveDateTime: instant(c.date),
    performer: [recorder(ctx, c.id)],
    comment: c.narrative,
  };
}

export function renderObservation(o: Observation, ctx: ItemContext): Json {
  const issued = instant(o.date);
  return {
    resourceType: 'Observation',
    id: o.id,
    meta: meta('Observation', o.confidential),
    identifier: identifier(ctx.practice.ods, o.id),
    status: 'final',
    code: codeable(o.concept, o.term),
    subject: subject(ctx),
    ...(o.consultationId ? { context: encounter(o.consultationId) } : {}),
    effectiveDateTime: o.date,
    ...(issued ? { issued } : {}),
    performer: [recorder(ctx, o.consultationId)],
    ...(o.value ? { valueQuantity: quantity(o.value) } : {}),
    ...(o.comment ? { comment: o.comment } : {}),
  };
}

const TARGET_DISEASES: Record<string, [string, string][]> = {
  'influenza-vaccination': [['6142004', 'Influenza']],
  'seasonal-influenza-vaccination': [['6142004', 'Influenza']],
  'mmr-vaccination': [
    ['14189004', 'Measles'],
    ['36989005', 'Mumps'],
    ['36653000', 'Rubella'],
  ],
};

/** Like EMIS, the vaccine product is unknown (NullFlavor) and the vaccination procedure is in an extension. */
export function renderImmunisation(i: Immunisation, ctx: ItemContext): Json {
  const diseases = TARGET_DISEASES[i.concept] ?? [];
  return {
    resourceType: 'Immunization',
    id: i.id,
    meta: meta('Immunization', i.confidential),
    extension: [
      { url: EXT.dateRecorded, valueDateTime: i.date },
      { url: EXT.vaccinationProcedure, valueCodeableConcept: codeable(i.concept, i.term) },
    ],
    identifier: identifier(ctx.practice.ods, i.id),
    status: 'completed',
    notGiven: !i.given,
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/v3/NullFlavor', code: 'UNK', display: 'unknown' }] },
    patient: subject(ctx),
    ...(i.consultationId ? { encounter: encounter(i.consultationId) } : {}),
    date: i.date,
    primarySource: true,
    ...(i.batch ? { lotNumber: i.batch } : {}),
    ...(i.site ? { site: { text: i.site } } : {}),
    practitioner: [
      {
        role: { coding: [{ system: 'http://hl7.org/fhir/v2/0443', code: 'AP', display: 'Administering Provider' }] },
        actor: recorder(ctx, i.consultationId),
      },
    ],
    ...(i.notGivenReason ? { explanation: { reasonNotGiven: [{ text: i.notGivenReason }] } } : {}),
    ...(i.doseSequence !== undefined && diseases.length > 0
      ? {
          vaccinationProtocol: [
            {
              doseSequence: i.doseSequence,
              targetDisease: diseases.map(([code, display]) => snomed(code, display)),
              doseStatus: {
                coding: [
                  { system: 'http://hl7.org/fhir/vaccination-protocol-dose-status', code: 'count', display: 'Counts' },
                ],
              },
            },
          ],
        }
      : {}),
  };
}

const PRIORITY: Record<Referral['priority'], string> = {
  routine: 'routine',
  urgent: 'urgent',
  'two-week-wait': 'asap',
};

export function renderReferral(f: Referral, ctx: ItemContext): Json {
  return {
    resourceType: 'ReferralRequest',
    id: f.id,
    meta: meta('ReferralRequest', f.confidential),
    identifier: identifier(ctx.practice.ods, f.id),
    status: f.status === 'sent' ? 'active' : 'completed',
    intent: 'order',
    priority: PRIORITY[f.priority],
    serviceRequested: [codeable(f.concept, f.term)],
    subject: subject(ctx),
    ...(f.consultationId ? { context: encounter(f.consultationId) } : {}),
    authoredOn: f.date,
    requester: { agent: recorder(ctx, f.consultationId) },
    specialty: { text: f.specialty },
    recipient: [{ display: f.recipient }],
    description: f.reason,
  };
}

export function renderDocument(doc: DocumentItem, ctx: ItemContext): Json {
  const author = practitionerRef(ctx.clinicians.get(doc.authorSdsUserId), doc.authorSdsUserId);
  return {
    resourceType: 'DocumentReference',
    id: doc.id,
    meta: meta('DocumentReference', doc.confidential),
    identifier: identifier(ctx.practice.ods, doc.id),
    status: 'current',
    type: { ...codeable(doc.concept), text: doc.title },
    subject: subject(ctx),
    created: doc.date,
    indexed: instant(doc.date) ?? `${ctx.patient.demographics.registration.since}T00:00:00+00:00`,
    author: [author],
    custodian: ref('Organization', ctx.practice.ods, ctx.practice.name),
    description: doc.title,
    content: [
      {
        attachment: {
          contentType: doc.contentType,
          url: `${ctx.baseUrl}/Binary/${doc.id}`,
          size: doc.size,
          title: doc.title,
        },
      },
    ],
    ...(doc.consultationId ? { context: { encounter: encounter(doc.consultationId) } } : {}),
  };
}
