/**
 * The compositions of P30003's EHR extract: one ehrComposition per consultation (its items inside, under a TOPIC
 * headed by the problem when the consultation recorded one, as EMIS does), and one per item recorded outside a
 * consultation ("Non-consultation data", or "… medication data"), as real extracts have them.
 *
 * A record with confidential items is sent as `RCMR_IN030000UK07` instead of UK06: the same message in the later
 * schema, the one whose statements carry `confidentialityCode` (`NOPAT`). The UK06 schema has no place for it.
 */
import type {
  Allergy,
  Consultation,
  DocumentItem,
  Immunisation,
  Medication,
  Observation,
  Problem,
  Referral,
  SyntheticPatient,
  TestResult,
} from '../generator/model.js';
import { CODES, conceptCode, derivedId, ts, writeCoded, type Coded } from './hl7v3-gp2gp-codes.js';
import { medicationStatementId, writeMedication, writeTestResult } from './hl7v3-gp2gp-medication.js';
import {
  component,
  writeAllergy,
  writeConfidentiality,
  writeDocument,
  writeImmunisation,
  writeNarrative,
  writeObservation,
  writeProblem,
  writeReferral,
  type StatementContext,
} from './hl7v3-gp2gp-statements.js';

export type ExtractInteraction = 'RCMR_IN030000UK06' | 'RCMR_IN030000UK07';

type Entry =
  | { readonly kind: 'allergy'; readonly item: Allergy }
  | { readonly kind: 'observation'; readonly item: Observation }
  | { readonly kind: 'immunisation'; readonly item: Immunisation }
  | { readonly kind: 'problem'; readonly item: Problem }
  | { readonly kind: 'medication'; readonly item: Medication }
  | { readonly kind: 'testResult'; readonly item: TestResult }
  | { readonly kind: 'referral'; readonly item: Referral }
  | { readonly kind: 'document'; readonly item: DocumentItem };

export interface CompositionPlan {
  readonly id: string;
  readonly code: Coded;
  readonly date: string;
  readonly authorKey: string;
  readonly confidential: boolean;
  readonly location?: string;
  readonly narrative?: { readonly id: string; readonly text: string };
  /** Wrap the entries in a problem-headed TOPIC, as EMIS does for problem-oriented consultations. */
  readonly topic?: Coded;
  readonly entries: readonly Entry[];
}

function entriesOf(patient: SyntheticPatient): Entry[] {
  const r = patient.record;
  return [
    ...r.allergies.map((item) => ({ kind: 'allergy', item }) as const),
    ...r.problems.map((item) => ({ kind: 'problem', item }) as const),
    ...r.medications.map((item) => ({ kind: 'medication', item }) as const),
    ...r.observations.map((item) => ({ kind: 'observation', item }) as const),
    ...r.immunisations.map((item) => ({ kind: 'immunisation', item }) as const),
    ...r.testResults.map((item) => ({ kind: 'testResult', item }) as const),
    ...r.referrals.map((item) => ({ kind: 'referral', item }) as const),
    ...r.documents.map((item) => ({ kind: 'document', item }) as const),
  ];
}

/** UK07 when anything in the record is confidential (only that schema can say so), UK06 otherwise. */
export function extractInteraction(patient: SyntheticPatient): ExtractInteraction {
  const confidential =
    patient.record.consultations.some((c) => c.confidential) || entriesOf(patient).some((e) => e.item.confidential);
  return confidential ? 'RCMR_IN030000UK07' : 'RCMR_IN030000UK06';
}

const CONSULTATION_CODE: Record<Consultation['type'], Coded> = {
  'Surgery consultation': CODES.surgeryConsultation,
  'Telephone consultation': CODES.telephoneConsultation,
  'Home visit': CODES.homeVisit,
};

function standaloneCode(entry: Entry): Coded {
  switch (entry.kind) {
    case 'medication':
      return CODES.nonConsultationMedication;
    case 'testResult':
      return { ...CODES.nonConsultation, originalText: 'Pathology report' };
    case 'referral':
      return { ...CODES.nonConsultation, originalText: 'Outbound referral' };
    case 'document':
      return { ...CODES.nonConsultation, originalText: 'Correspondence' };
    case 'allergy':
      return { ...CODES.nonConsultation, originalText: 'Summary allergy' };
    case 'observation':
    case 'immunisation':
    case 'problem':
      return CODES.nonConsultation;
  }
}

function entryAuthor(entry: Entry, fallback: string): string {
  if (entry.kind === 'medication') return entry.item.prescriberSdsUserId;
  if (entry.kind === 'document') return entry.item.authorSdsUserId;
  return fallback;
}

export function planCompositions(patient: SyntheticPatient): CompositionPlan[] {
  const entries = entriesOf(patient);
  const byId = new Map(entries.map((e) => [e.item.id, e]));
  const usualGp = patient.demographics.usualGp.sdsUserId;
  const consultations = patient.record.consultations.map((c): CompositionPlan => {
    const own = c.itemIds.map((id) => byId.get(id)).filter((e) => e !== undefined);
    const problem = own.find((e) => e.kind === 'problem');
    return {
      id: c.id,
      code: CONSULTATION_CODE[c.type],
      date: c.date,
      authorKey: c.clinicianSdsUserId,
      confidential: c.confidential,
      location: c.location,
      ...(c.narrative ? { narrative: { id: derivedId(c.id, 'narrative'), text: c.narrative } } : {}),
      ...(problem ? { topic: conceptCode(problem.item.concept, problem.item.term) } : {}),
      entries: own,
    };
  });
  const standalone = entries
    .filter((e) => e.item.consultationId === undefined)
    .map((e): CompositionPlan => ({
      id: derivedId(e.item.id, 'composition'),
      code: standaloneCode(e),
      date: e.item.date,
      authorKey: entryAuthor(e, usualGp),
      confidential: e.item.confidential,
      entries: [e],
    }));
  return [...consultations, ...standalone].sort((a, b) => (ts(a.date) < ts(b.date) ? -1 : 1));
}

function writeEntry(
  ctx: StatementContext,
  entry: Entry,
  agentKey: string,
  nested: boolean,
  idOf: (id: string) => string | undefined,
): void {
  switch (entry.kind) {
    case 'allergy':
      return component(ctx, nested, () => writeAllergy(ctx, entry.item, agentKey));
    case 'observation':
      return component(ctx, nested, () => writeObservation(ctx, entry.item, agentKey));
    case 'immunisation':
      return component(ctx, nested, () => writeImmunisation(ctx, entry.item, agentKey));
    case 'problem':
      return writeProblem(ctx, entry.item, agentKey, idOf, nested);
    case 'medication':
      return writeMedication(ctx, entry.item, nested);
    case 'testResult':
      return component(ctx, nested, () => writeTestResult(ctx, entry.item, agentKey));
    case 'referral':
      return component(ctx, nested, () => writeReferral(ctx, entry.item, agentKey));
    case 'document':
      return component(ctx, nested, () => writeDocument(ctx, entry.item));
  }
}

export function writeComposition(
  ctx: StatementContext,
  c: CompositionPlan,
  idOf: (id: string) => string | undefined,
): void {
  const { w } = ctx;
  const agentRef = () =>
    w.wrap('agentRef', { classCode: 'AGNT' }, () => w.element('id', { root: ctx.agentId(c.authorKey) }));
  w.wrap('component', { typeCode: 'COMP' }, () =>
    w.wrap('ehrComposition', { classCode: 'COMPOSITION', moodCode: 'EVN' }, () => {
      w.element('id', { root: c.id });
      writeCoded(w, 'code', c.code);
      w.element('statusCode', { code: 'COMPLETE' });
      w.wrap('effectiveTime', undefined, () => w.element('center', { value: ts(c.date) }));
      w.element('availabilityTime', { value: ts(c.date) });
      writeConfidentiality(ctx, c.confidential);
      w.wrap('author', { typeCode: 'AUT', contextControlCode: 'OP' }, () => {
        w.element('time', { value: ts(c.date) });
        agentRef();
      });
      if (c.location) {
        w.wrap('location', { typeCode: 'LOC' }, () =>
          w.wrap('locatedEntity', { classCode: 'LOCE' }, () =>
            w.wrap('locatedPlace', { classCode: 'PLC', determinerCode: 'INSTANCE' }, () => w.text('name', c.location)),
          ),
        );
      }
      w.wrap('Participant2', { typeCode: 'PRF', contextControlCode: 'OP' }, agentRef);
      const body = (nested: boolean) => {
        if (c.narrative) {
          const { id, text } = c.narrative;
          component(ctx, nested, () => writeNarrative(ctx, id, text, c.date, c.confidential, c.authorKey));
        }
        for (const e of c.entries) writeEntry(ctx, e, entryAuthor(e, c.authorKey), nested, idOf);
      };
      if (c.topic) {
        const topic = c.topic;
        w.wrap('component', { typeCode: 'COMP' }, () =>
          w.wrap('CompoundStatement', { classCode: 'TOPIC', moodCode: 'EVN' }, () => {
            w.element('id', { root: derivedId(c.id, 'topic') });
            writeCoded(w, 'code', topic);
            w.element('statusCode', { code: 'COMPLETE' });
            w.wrap('effectiveTime', undefined, () => w.element('center', { value: ts(c.date) }));
            w.element('availabilityTime', { value: ts(c.date) });
            writeConfidentiality(ctx, c.confidential);
            body(true);
          }),
        );
      } else {
        body(false);
      }
    }),
  );
}

/** The id of the statement standing for an item, for the LinkSets that link items to problems. */
export function statementIdsOf(patient: SyntheticPatient): (itemId: string) => string | undefined {
  const ids = new Map<string, string>();
  for (const e of entriesOf(patient)) {
    ids.set(e.item.id, e.kind === 'medication' ? medicationStatementId(e.item.id) : e.item.id);
  }
  return (itemId) => ids.get(itemId);
}

/** Every date in the record's compositions, as HL7 TS, for the folder's effective time. */
export function earliestDate(plans: readonly CompositionPlan[]): string | undefined {
  return plans.map((p) => ts(p.date)).sort()[0];
}
