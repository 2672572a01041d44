/**
 * The clinical statements of P30003's EHR extract, one writer per kind of item, shaped like the statements in real
 * GP2GP extracts: ObservationStatement for findings, measurements and immunisations, CompoundStatement for
 * allergies, ObservationStatement + LinkSet for problems, RequestStatement for referrals, NarrativeStatement for
 * notes and (with an external document reference) for attachments.
 */
import type { Allergy, DocumentItem, Immunisation, Observation, Problem, Referral } from '../generator/model.js';
import { CODES, conceptCode, derivedId, ts, writeCoded, type Coded } from './hl7v3-gp2gp-codes.js';
import type { Hl7Writer } from './hl7v3-gp2gp-xml.js';

/** What every statement writer needs besides its item. */
export interface StatementContext {
  readonly w: Hl7Writer;
  /** True when the extract's schema carries `confidentialityCode` (RCMR_IN030000UK07). */
  readonly confidentialityCodes: boolean;
  /** The agent-directory id of a clinician (by SDS user id) or an organisation (by name). */
  agentId(key: string): string;
  /** Where the system serves a document's bytes. */
  documentUrl(document: DocumentItem): string;
}

export function writeEffectiveTime(w: Hl7Writer, date: string | undefined, end?: string): void {
  w.wrap('effectiveTime', undefined, () => {
    if (date === undefined) w.element('center', { nullFlavor: 'UNK' });
    else if (end === undefined) w.element('center', { value: ts(date) });
    else w.element('low', { value: ts(date) }).element('high', { value: ts(end) });
  });
}

function writeStart(w: Hl7Writer, date: string, end: string | undefined): void {
  w.wrap('effectiveTime', undefined, () => {
    w.element('low', { value: ts(date) });
    if (end !== undefined) w.element('high', { value: ts(end) });
  });
}

export function writeConfidentiality(ctx: StatementContext, confidential: boolean): void {
  if (confidential && ctx.confidentialityCodes) writeCoded(ctx.w, 'confidentialityCode', CODES.nopat);
}

export function writeParticipant(ctx: StatementContext, agentKey: string, typeCode = 'PRF'): void {
  ctx.w.wrap('Participant', { typeCode, contextControlCode: 'OP' }, () =>
    ctx.w.wrap('agentRef', { classCode: 'AGNT' }, () => ctx.w.element('id', { root: ctx.agentId(agentKey) })),
  );
}

function writeAnnotations(w: Hl7Writer, texts: readonly (string | undefined)[]): void {
  let sequence = 0;
  for (const text of texts) {
    if (!text) continue;
    w.wrap('pertinentInformation', { typeCode: 'PERT' }, () => {
      w.element('sequenceNumber', { value: `+${++sequence}` });
      w.wrap('pertinentAnnotation', { classCode: 'OBS', moodCode: 'EVN' }, () => w.text('text', text));
    });
  }
}

/** A physical quantity as EMIS sends it: unit "1", the unit's text as a translation's originalText. */
export function writeQuantity(w: Hl7Writer, name: string, value: number, unit: string, xsiType?: string): void {
  w.wrap(name, { ...(xsiType ? { 'xsi:type': xsiType } : {}), value, unit: '1' }, () =>
    w.wrap('translation', { value }, () => w.text('originalText', unit)),
  );
}

interface ObservationParts {
  readonly id: string;
  readonly code: Coded;
  readonly date: string | undefined;
  readonly end?: string;
  readonly confidential: boolean;
  readonly agentKey: string;
  readonly value?: (w: Hl7Writer) => void;
  readonly annotations?: readonly (string | undefined)[];
  readonly after?: (w: Hl7Writer) => void;
}

/** The common shape of every ObservationStatement the system writes. */
export function writeObservationStatement(ctx: StatementContext, parts: ObservationParts): void {
  const { w } = ctx;
  w.wrap('ObservationStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    w.element('id', { root: parts.id });
    writeCoded(w, 'code', parts.code);
    w.element('statusCode', { code: 'COMPLETE' });
    writeEffectiveTime(w, parts.date, parts.end);
    w.element('availabilityTime', parts.date ? { value: ts(parts.date) } : { nullFlavor: 'UNK' });
    writeConfidentiality(ctx, parts.confidential);
    parts.value?.(w);
    writeAnnotations(w, parts.annotations ?? []);
    parts.after?.(w);
    writeParticipant(ctx, parts.agentKey);
  });
}

/** A component of a composition (`typeCode` only) or of a CompoundStatement (with context conduction). */
export function component(ctx: StatementContext, nested: boolean, body: () => void): void {
  ctx.w.wrap('component', nested ? { typeCode: 'COMP', contextConductionInd: 'true' } : { typeCode: 'COMP' }, body);
}

export function writeObservation(ctx: StatementContext, o: Observation, agentKey: string): void {
  const quantity = o.value;
  writeObservationStatement(ctx, {
    id: o.id,
    code: conceptCode(o.concept, o.term),
    date: o.date,
    confidential: o.confidential,
    agentKey,
    ...(quantity ? { value: (w: Hl7Writer) => writeQuantity(w, 'value', quantity.value, quantity.unit, 'PQ') } : {}),
    annotations: [o.comment],
  });
}

/** Immunisations travel as ObservationStatements coded with the vaccination; the details go in the annotation. */
export function writeImmunisation(ctx: StatementContext, i: Immunisation, agentKey: string): void {
  const details = i.given
    ? [
        i.batch ? `Batch: ${i.batch}` : undefined,
        i.site ? `Site: ${i.site}` : undefined,
        i.doseSequence !== undefined ? `Dose: ${i.doseSequence}` : undefined,
      ]
    : ['Status: not given', i.notGivenReason ? `Reason not given: ${i.notGivenReason}` : undefined];
  writeObservationStatement(ctx, {
    id: i.id,
    code: conceptCode(i.concept, i.term),
    date: i.date,
    confidential: i.confidential,
    agentKey,
    annotations: [details.filter(Boolean).join(' ')],
  });
}

/**
 * An allergy: a CompoundStatement categorised "H/O: drug allergy" or "Allergy, unspecified" holding the coded
 * ObservationStatement; a resolved allergy has an end (effectiveTime high) and says so in its annotation.
 */
export function writeAllergy(ctx: StatementContext, a: Allergy, agentKey: string): void {
  const { w } = ctx;
  const end = a.status === 'resolved' ? a.endDate : undefined;
  w.wrap('CompoundStatement', { classCode: 'CATEGORY', moodCode: 'EVN' }, () => {
    w.element('id', { root: derivedId(a.id, 'allergy-category') });
    writeCoded(w, 'code', a.category === 'drug' ? CODES.drugAllergy : CODES.nonDrugAllergy);
    w.element('statusCode', { code: 'COMPLETE' });
    writeStart(w, a.date, end);
    w.element('availabilityTime', { value: ts(a.date) });
    writeConfidentiality(ctx, a.confidential);
    component(ctx, true, () =>
      writeObservationStatement(ctx, {
        id: a.id,
        code: conceptCode(a.concept, a.term),
        date: a.date,
        ...(end !== undefined ? { end } : {}),
        confidential: a.confidential,
        agentKey,
        annotations: [
          [
            `Status: ${a.status === 'resolved' ? 'Resolved' : 'Active'}`,
            a.reaction ? `Reaction: ${a.reaction}` : undefined,
            a.severity ? `Severity: ${a.severity}` : undefined,
            a.endReason ? `End Reason: ${a.endReason}` : undefined,
          ]
            .filter(Boolean)
            .join(' '),
        ],
      }),
    );
  });
}

/** The id of the statement that stands for an item, for LinkSet references. */
export type StatementIdOf = (itemId: string) => string | undefined;

/**
 * A problem: the coded ObservationStatement naming the condition, and the LinkSet (id = the problem's id) that makes
 * it a problem (active or inactive, with its significance) and links the items recorded against it. Writes both
 * components itself, as siblings.
 */
export function writeProblem(
  ctx: StatementContext,
  p: Problem,
  agentKey: string,
  statementIdOf: StatementIdOf,
  nested: boolean,
): void {
  const { w } = ctx;
  const conditionId = derivedId(p.id, 'condition');
  component(ctx, nested, () =>
    writeObservationStatement(ctx, {
      id: conditionId,
      code: conceptCode(p.concept, p.term),
      date: p.date,
      confidential: p.confidential,
      agentKey,
    }),
  );
  component(ctx, nested, () =>
    w.wrap('LinkSet', { classCode: 'OBS', moodCode: 'EVN' }, () => {
      w.element('id', { root: p.id });
      writeCoded(w, 'code', {
        ...(p.status === 'active' ? CODES.activeProblem : CODES.inactiveProblem),
        qualifier: p.significance === 'major' ? CODES.significant : CODES.unspecifiedSignificance,
      });
      w.element('statusCode', { code: 'COMPLETE' });
      writeStart(w, p.date, p.status === 'inactive' ? p.endDate : undefined);
      w.element('availabilityTime', { value: ts(p.date) });
      writeConfidentiality(ctx, p.confidential);
      for (const itemId of p.linkedItemIds) {
        const target = statementIdOf(itemId);
        if (target === undefined) continue;
        w.wrap('component', { typeCode: 'COMP' }, () =>
          w.wrap('statementRef', { classCode: 'OBS', moodCode: 'EVN' }, () => w.element('id', { root: target })),
        );
      }
      w.wrap('conditionNamed', { typeCode: 'NAME', inversionInd: 'true' }, () =>
        w.wrap('namedStatementRef', { classCode: 'OBS', moodCode: 'EVN' }, () =>
          w.element('id', { root: conditionId }),
        ),
      );
      writeParticipant(ctx, agentKey);
    }),
  );
}

export function writeNarrative(
  ctx: StatementContext,
  id: string,
  text: string,
  date: string,
  confidential: boolean,
  agentKey: string,
): void {
  const { w } = ctx;
  w.wrap('NarrativeStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    w.element('id', { root: id });
    w.text('text', text);
    w.element('statusCode', { code: 'COMPLETE' });
    w.element('availabilityTime', { value: ts(date) });
    writeConfidentiality(ctx, confidential);
    writeParticipant(ctx, agentKey);
  });
}

const PRIORITY: Record<Referral['priority'], Coded> = {
  routine: CODES.normalPriority,
  urgent: CODES.highPriority,
  'two-week-wait': CODES.twoWeekWait,
};

/** A referral: a RequestStatement to the receiving organisation (an agent of the directory). */
export function writeReferral(ctx: StatementContext, r: Referral, agentKey: string): void {
  const { w } = ctx;
  w.wrap('RequestStatement', { classCode: 'OBS', moodCode: 'RQO' }, () => {
    w.element('id', { root: r.id });
    writeCoded(w, 'code', conceptCode(r.concept, r.term));
    w.text('text', `Reason: ${r.reason} Specialty: ${r.specialty} Recipient: ${r.recipient}`);
    w.element('statusCode', { code: r.status === 'completed' ? 'COMPLETE' : 'ACTIVE' });
    writeEffectiveTime(w, r.date);
    w.element('availabilityTime', { value: ts(r.date) });
    writeCoded(w, 'priorityCode', PRIORITY[r.priority]);
    writeConfidentiality(ctx, r.confidential);
    w.wrap('responsibleParty', { typeCode: 'RESP' }, () =>
      w.wrap('agentRef', { classCode: 'AGNT' }, () => w.element('id', { root: ctx.agentId(r.recipient) })),
    );
    writeParticipant(ctx, agentKey, 'AUT');
  });
}

/** An attachment: a NarrativeStatement (id = the document's id) referring to the external document. */
export function writeDocument(ctx: StatementContext, d: DocumentItem): void {
  const { w } = ctx;
  w.wrap('NarrativeStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    w.element('id', { root: d.id });
    w.text('text', d.title);
    w.element('statusCode', { code: 'COMPLETE' });
    w.element('availabilityTime', { value: ts(d.date) });
    writeConfidentiality(ctx, d.confidential);
    writeParticipant(ctx, d.authorSdsUserId, 'AUT');
    w.wrap('reference', { typeCode: 'REFR' }, () =>
      w.wrap('referredToExternalDocument', { classCode: 'DOC', moodCode: 'EVN' }, () => {
        w.element('id', { root: derivedId(d.id, 'external-document') });
        writeCoded(w, 'code', { ...conceptCode(d.concept, d.term, 'snomed'), originalText: d.title });
        w.wrap('text', { mediaType: d.contentType }, () => w.element('reference', { value: ctx.documentUrl(d) }));
        writeConfidentiality(ctx, d.confidential);
      }),
    );
  });
}
