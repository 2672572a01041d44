/** The clinical items of a record as GP Connect STU3 resources (CareConnect-GPC profiles). */
import { addDays } from '../generator/dates.js';
import type {
  Allergy,
  Clinician,
  Consultation,
  DocumentItem,
  Immunisation,
  Medication,
  Observation,
  Practice,
  Problem,
  Referral,
  SyntheticPatient,
  TestResult,
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

const UCUM = 'http://unitsofmeasure.org';
const FOOD = new Set(['peanut-allergy', 'egg-allergy']);
const COMMENT_NOTE = snomed('37331000000100', 'Comment note');

function subject(ctx: ItemContext): Json {
  return ref('Patient', ctx.patient.sourceId);
}

/** The clinician who recorded an item: its consultation's, else the usual GP. */
function recorder(ctx: ItemContext, consultationId: string | undefined): Json {
  const sds =
    (consultationId && ctx.consultations.get(consultationId)?.clinicianSdsUserId) ||
    ctx.patient.demographics.usualGp.sdsUserId;
  return practitionerRef(ctx.clinicians.get(sds), sds);
}

function encounter(consultationId: string | undefined): Json | undefined {
  return consultationId ? ref('Encounter', consultationId) : undefined;
}

function quantity(q: { value: number; unit: string }, ucum = true): Json {
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

const PRESCRIPTION_TYPE = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescriptionType-1';

/**
 * A medication as GP Connect gives it: the Medication, the authorisation (MedicationRequest `plan`), one
 * MedicationRequest `order` per issue, and the MedicationStatement summarising them.
 */
export function renderMedication(m: Medication, ctx: ItemContext, includeIssues: boolean): Json[] {
  const medicationRef = ref('Medication', `${m.id}-MED`);
  const prescriber = practitionerRef(ctx.clinicians.get(m.prescriberSdsUserId), m.prescriberSdsUserId);
  const type = {
    url: EXT.prescriptionType,
    valueCodeableConcept: {
      coding: [{ system: PRESCRIPTION_TYPE, code: m.type, display: m.type === 'acute' ? 'Acute' : 'Repeat' }],
    },
  };
  const dispense = (start: string, q: { value: number; unit: string }, days: number) => ({
    validityPeriod: { start, end: addDays(start, days) },
    quantity: quantity(q, false),
    expectedSupplyDuration: { value: days, unit: 'day', system: UCUM, code: 'd' },
  });
  const lastIssue = m.issues[m.issues.length - 1];
  const status = m.status === 'active' ? 'active' : m.status === 'stopped' ? 'stopped' : 'completed';
  const common = (confidential: boolean, profile: string) => ({ meta: meta(profile, confidential) });
  const plan: Json = {
    resourceType: 'MedicationRequest',
    id: m.id,
    ...common(m.confidential, 'MedicationRequest'),
    extension: [
      type,
      ...(m.type === 'repeat'
        ? [
            {
              url: EXT.repeatInformation,
              extension: [
                ...(m.maxIssues !== undefined
                  ? [{ url: 'numberOfRepeatPrescriptionsAllowed', valueUnsignedInt: m.maxIssues }]
                  : []),
                { url: 'numberOfRepeatPrescriptionsIssued', valueUnsignedInt: m.issues.length },
              ],
            },
          ]
        : []),
      ...(m.status === 'stopped'
        ? [
            {
              url: EXT.statusReason,
              extension: [
                { url: 'statusReason', valueCodeableConcept: { text: 'Stopped by the prescriber' } },
                ...(m.endDate ? [{ url: 'statusChangeDate', valueDateTime: m.endDate }] : []),
              ],
            },
          ]
        : []),
    ],
    identifier: identifier(ctx.practice.ods, m.id),
    groupIdentifier: { value: m.id },
    status,
    intent: 'plan',
    medicationReference: medicationRef,
    subject: subject(ctx),
    ...(m.consultationId ? { context: encounter(m.consultationId) } : {}),
    authoredOn: m.date,
    requester: { agent: prescriber },
    recorder: prescriber,
    dosageInstruction: [{ text: m.dosage }],
    dispenseRequest: dispense(m.date, m.quantity, m.issues[0]?.daysSupply ?? 28),
  };
  const orders = includeIssues
    ? m.issues.map((issue) => ({
        resourceType: 'MedicationRequest',
        id: issue.id,
        ...common(m.confidential, 'MedicationRequest'),
        extension: [type],
        identifier: identifier(ctx.practice.ods, issue.id),
        basedOn: [ref('MedicationRequest', m.id)],
        groupIdentifier: { value: m.id },
        status: 'completed',
        intent: 'order',
        medicationReference: medicationRef,
        subject: subject(ctx),
        authoredOn: issue.date,
        requester: { agent: prescriber },
        recorder: prescriber,
        dosageInstruction: [{ text: m.dosage }],
        dispenseRequest: dispense(issue.date, issue.quantity, issue.daysSupply),
      }))
    : [];
  const statement: Json = {
    resourceType: 'MedicationStatement',
    id: `${m.id}-MS`,
    ...common(m.confidential, 'MedicationStatement'),
    extension: [
      ...(lastIssue ? [{ url: EXT.lastIssueDate, valueDateTime: lastIssue.date }] : []),
      {
        url: EXT.prescribingAgency,
        valueCodeableConcept: {
          coding: [
            {
              system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-PrescribingAgency-1',
              code: 'prescribed-at-gp-practice',
              display: 'Prescribed at GP practice',
            },
          ],
        },
      },
    ],
    identifier: identifier(ctx.practice.ods, `${m.id}-MS`),
    basedOn: [ref('MedicationRequest', m.id)],
    ...(m.consultationId ? { context: encounter(m.consultationId) } : {}),
    status,
    medicationReference: medicationRef,
    effectivePeriod: { start: m.date, ...(m.endDate ? { end: m.endDate } : {}) },
    dateAsserted: m.date,
    subject: subject(ctx),
    taken: 'unk',
    dosage: [{ text: m.dosage }],
  };
  const medication: Json = {
    resourceType: 'Medication',
    id: `${m.id}-MED`,
    meta: meta('Medication'),
    code: codeable(m.concept),
  };
  return [statement, plan, ...orders, medication];
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

const INTERPRETATION: Record<string, [string, string]> = {
  normal: ['N', 'Normal'],
  low: ['L', 'Low'],
  high: ['H', 'High'],
};
const LABORATORY = {
  coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'laboratory', display: 'Laboratory' }],
};

/**
 * A test report as GP Connect gives it: the DiagnosticReport, its Specimen, a test-group Observation with the
 * battery's code and each result as a member, and the filing comment as a "Comment note" derived from the group.
 */
export function renderTestResult(t: TestResult, ctx: ItemContext): Json[] {
  const performer = [recorder(ctx, t.consultationId)];
  const issued = instant(t.date);
  const specimenId = `${t.id}-SPEC-0`;
  const groupId = `${t.id}-GRP`;
  const lab = {
    meta: meta('Observation', t.confidential),
    status: 'final',
    category: [LABORATORY],
    subject: subject(ctx),
  };
  const results = t.results.map((r) => {
    const [code, display] = INTERPRETATION[r.interpretation] ?? ['N', 'Normal'];
    return {
      resourceType: 'Observation',
      id: r.id,
      ...lab,
      identifier: identifier(ctx.practice.ods, r.id),
      code: codeable(r.concept, r.term),
      effectiveDateTime: t.date,
      ...(issued ? { issued } : {}),
      performer,
      valueQuantity: quantity(r.value),
      interpretation: { coding: [{ system: 'http://hl7.org/fhir/v2/0078', code, display }] },
      specimen: ref('Specimen', specimenId),
      referenceRange: [
        {
          low: quantity({ value: r.referenceRange.low, unit: r.value.unit }),
          high: quantity({ value: r.referenceRange.high, unit: r.value.unit }),
        },
      ],
    };
  });
  const group = {
    resourceType: 'Observation',
    id: groupId,
    ...lab,
    identifier: identifier(ctx.practice.ods, groupId),
    code: codeable(t.concept, t.term),
    ...(t.consultationId ? { context: encounter(t.consultationId) } : {}),
    effectiveDateTime: t.date,
    ...(issued ? { issued } : {}),
    performer,
    specimen: ref('Specimen', specimenId),
    related: results.map((r) => ({ type: 'has-member', target: ref('Observation', r.id) })),
  };
  const comment = t.filingComment
    ? {
        resourceType: 'Observation',
        id: `${t.id}-COMM`,
        ...lab,
        identifier: identifier(ctx.practice.ods, `${t.id}-COMM`),
        code: COMMENT_NOTE,
        effectiveDateTime: t.date,
        performer,
        comment: t.filingComment,
        related: [{ type: 'derived-from', target: ref('Observation', groupId) }],
      }
    : undefined;
  const report = {
    resourceType: 'DiagnosticReport',
    id: t.id,
    meta: meta('DiagnosticReport', t.confidential),
    identifier: identifier(ctx.practice.ods, t.id),
    status: t.status,
    category: {
      coding: [
        { system: 'http://hl7.org/fhir/v2/0074', code: 'PAT', display: 'Pathology (gross & histopath, not surgical)' },
      ],
    },
    code: snomed('721981007', 'Diagnostic studies report'),
    subject: subject(ctx),
    ...(t.consultationId ? { context: encounter(t.consultationId) } : {}),
    effectiveDateTime: t.date,
    ...(issued ? { issued } : {}),
    performer: [{ actor: { display: t.laboratory } }],
    specimen: [ref('Specimen', specimenId)],
    result: [ref('Observation', groupId), ...(comment ? [ref('Observation', comment.id)] : [])],
  };
  const specimen = {
    resourceType: 'Specimen',
    id: specimenId,
    meta: meta('Specimen', t.confidential),
    identifier: identifier(ctx.practice.ods, specimenId),
    type: { text: 'Blood' },
    subject: subject(ctx),
    collection: { collectedDateTime: t.date },
  };
  return [report, specimen, group, ...results, ...(comment ? [comment] : [])];
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
