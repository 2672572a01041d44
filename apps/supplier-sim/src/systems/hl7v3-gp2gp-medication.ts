/**
 * Medication and test results in P30003's EHR extract.
 *
 * Medication: one `MedicationStatement` (mood INT) with an `ehrSupplyAuthorise` for the authorisation (its id is the
 * medication's id; `repeatNumber` 0 marks an acute, as GP2GP receivers read it), and one `MedicationStatement`
 * (mood ORD) with an `ehrSupplyPrescribe` per issue, in fulfilment of the authorisation. Drugs lead with their
 * dm+d (SNOMED CT) code, with the Read v2 drug code as a translation.
 *
 * Test results: a "laboratory reporting" cluster (id = the result's id) holding the filing comment, and a specimen
 * cluster holding the test battery with one ObservationStatement per result, each with its value, interpretation
 * and reference range, as the NHS sending adaptor writes them.
 */
import type { Medication, MedicationIssue, TestResult, TestResultValue } from '../generator/model.js';
import { CODES, conceptCode, derivedId, OID, ts, writeCoded, type Coded } from './hl7v3-gp2gp-codes.js';
import {
  component,
  writeConfidentiality,
  writeEffectiveTime,
  writeObservationStatement,
  writeParticipant,
  writeQuantity,
  type StatementContext,
} from './hl7v3-gp2gp-statements.js';

/** The id of the MedicationStatement that carries an authorisation or an issue (LinkSets refer to it). */
export function medicationStatementId(authorisationOrIssueId: string): string {
  return derivedId(authorisationOrIssueId, 'medication-statement');
}

function writeConsumable(ctx: StatementContext, m: Medication): void {
  const { w } = ctx;
  w.wrap('consumable', { typeCode: 'CSM' }, () =>
    w.wrap('manufacturedProduct', { classCode: 'MANU' }, () =>
      w.wrap('manufacturedMaterial', { classCode: 'MMAT', determinerCode: 'KIND' }, () =>
        writeCoded(w, 'code', conceptCode(m.concept, m.term, 'snomed')),
      ),
    ),
  );
}

function writeDosage(ctx: StatementContext, m: Medication): void {
  ctx.w.wrap('pertinentInformation', { typeCode: 'PERT' }, () =>
    ctx.w.wrap('pertinentMedicationDosage', { classCode: 'SBADM', moodCode: 'RMD' }, () =>
      ctx.w.text('text', m.dosage),
    ),
  );
}

function writeSupplyAnnotation(ctx: StatementContext, text: string): void {
  ctx.w.wrap('pertinentInformation', { typeCode: 'PERT' }, () =>
    ctx.w.wrap('pertinentSupplyAnnotation', { classCode: 'OBS', moodCode: 'EVN' }, () => ctx.w.text('text', text)),
  );
}

function writePerformer(ctx: StatementContext, sdsUserId: string): void {
  ctx.w.wrap('performer', { typeCode: 'PRF' }, () =>
    ctx.w.wrap('agentRef', { classCode: 'AGNT' }, () => ctx.w.element('id', { root: ctx.agentId(sdsUserId) })),
  );
}

function writeAuthorisation(ctx: StatementContext, m: Medication): void {
  const { w } = ctx;
  const status = m.status === 'active' ? 'ACTIVE' : 'COMPLETE';
  const daysSupply = m.issues[0]?.daysSupply;
  w.wrap('MedicationStatement', { classCode: 'SBADM', moodCode: 'INT' }, () => {
    w.element('id', { root: medicationStatementId(m.id) });
    w.element('statusCode', { code: status });
    w.wrap('effectiveTime', undefined, () => {
      w.element('low', { value: ts(m.date) });
      if (m.endDate) w.element('high', { value: ts(m.endDate) });
    });
    w.element('availabilityTime', { value: ts(m.date) });
    writeConfidentiality(ctx, m.confidential);
    writeConsumable(ctx, m);
    w.wrap('component', { typeCode: 'COMP' }, () =>
      w.wrap('ehrSupplyAuthorise', { classCode: 'SPLY', moodCode: 'INT' }, () => {
        w.element('id', { root: m.id });
        writeCoded(w, 'code', CODES.nhsPrescription);
        w.element('statusCode', { code: status });
        w.wrap('effectiveTime', undefined, () => {
          w.element('low', { value: ts(m.date) });
          if (m.endDate) w.element('high', { value: ts(m.endDate) });
        });
        w.element('availabilityTime', { value: ts(m.date) });
        w.element('repeatNumber', { value: m.type === 'acute' ? 0 : (m.maxIssues ?? m.issues.length) });
        writeQuantity(w, 'quantity', m.quantity.value, m.quantity.unit);
        writePerformer(ctx, m.prescriberSdsUserId);
        if (daysSupply !== undefined) writeSupplyAnnotation(ctx, `Expected Supply Duration: ${daysSupply} day`);
        if (m.status === 'stopped') writeSupplyAnnotation(ctx, 'Status: stopped');
      }),
    );
    writeDosage(ctx, m);
    writeParticipant(ctx, m.prescriberSdsUserId);
  });
}

function writeIssue(ctx: StatementContext, m: Medication, issue: MedicationIssue): void {
  const { w } = ctx;
  w.wrap('MedicationStatement', { classCode: 'SBADM', moodCode: 'ORD' }, () => {
    w.element('id', { root: medicationStatementId(issue.id) });
    w.element('statusCode', { code: 'COMPLETE' });
    writeEffectiveTime(w, issue.date);
    w.element('availabilityTime', { value: ts(issue.date) });
    writeConfidentiality(ctx, m.confidential);
    writeConsumable(ctx, m);
    w.wrap('component', { typeCode: 'COMP' }, () =>
      w.wrap('ehrSupplyPrescribe', { classCode: 'SPLY', moodCode: 'RQO' }, () => {
        w.element('id', { root: issue.id });
        writeCoded(w, 'code', CODES.nhsPrescription);
        w.element('statusCode', { code: 'COMPLETE' });
        w.element('availabilityTime', { value: ts(issue.date) });
        writeQuantity(w, 'quantity', issue.quantity.value, issue.quantity.unit);
        w.wrap('inFulfillmentOf', { typeCode: 'FLFS' }, () =>
          w.wrap('priorMedicationRef', { classCode: 'SBADM', moodCode: 'INT' }, () => w.element('id', { root: m.id })),
        );
        writePerformer(ctx, m.prescriberSdsUserId);
        writeSupplyAnnotation(ctx, `Expected Supply Duration: ${issue.daysSupply} day`);
      }),
    );
    writeDosage(ctx, m);
    writeParticipant(ctx, m.prescriberSdsUserId);
  });
}

/** The authorisation and every issue, each its own component of the enclosing composition or statement. */
export function writeMedication(ctx: StatementContext, m: Medication, nested: boolean): void {
  component(ctx, nested, () => writeAuthorisation(ctx, m));
  for (const issue of m.issues) component(ctx, nested, () => writeIssue(ctx, m, issue));
}

const INTERPRETATION: Record<TestResultValue['interpretation'], Coded | undefined> = {
  normal: undefined,
  high: { code: 'HI', codeSystem: OID.interpretation, displayName: 'Above high reference limit' },
  low: { code: 'LO', codeSystem: OID.interpretation, displayName: 'Below low reference limit' },
};

const SPECIMEN: Record<string, string> = { 'full-blood-count': 'VENOUS BLOOD', 'urea-electrolytes': 'SERUM' };

function writeResultValue(ctx: StatementContext, t: TestResult, v: TestResultValue, agentKey: string): void {
  const interpretation = INTERPRETATION[v.interpretation];
  const { low, high } = v.referenceRange;
  writeObservationStatement(ctx, {
    id: v.id,
    code: conceptCode(v.concept, v.term),
    date: t.date,
    confidential: t.confidential,
    agentKey,
    value: (w) => {
      writeQuantity(w, 'value', v.value.value, v.value.unit, 'PQ');
      if (interpretation) writeCoded(w, 'interpretationCode', interpretation);
    },
    after: (w) =>
      w.wrap('referenceRange', { typeCode: 'REFV' }, () =>
        w.wrap('referenceInterpretationRange', { classCode: 'OBS', moodCode: 'EVN.CRT' }, () => {
          w.text('text', `Range: ${low} to ${high} ${v.value.unit}`);
          w.wrap('value', undefined, () => w.element('low', { value: low }).element('high', { value: high }));
        }),
      ),
  });
}

function compoundHead(ctx: StatementContext, id: string, code: Coded, date: string, confidential: boolean): void {
  const { w } = ctx;
  w.element('id', { root: id });
  writeCoded(w, 'code', code);
  w.element('statusCode', { code: 'COMPLETE' });
  writeEffectiveTime(w, date);
  w.element('availabilityTime', { value: ts(date) });
  writeConfidentiality(ctx, confidential);
}

export function writeTestResult(ctx: StatementContext, t: TestResult, agentKey: string): void {
  const { w } = ctx;
  w.wrap('CompoundStatement', { classCode: 'CLUSTER', moodCode: 'EVN' }, () => {
    compoundHead(ctx, t.id, CODES.laboratoryReporting, t.date, t.confidential);
    component(ctx, true, () =>
      w.wrap('NarrativeStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
        w.element('id', { root: derivedId(t.id, 'report-comment') });
        w.text(
          'text',
          [`Laboratory: ${t.laboratory}`, t.filingComment && `Filing comment: ${t.filingComment}`]
            .filter(Boolean)
            .join('\n'),
        );
        w.element('statusCode', { code: 'COMPLETE' });
        w.element('availabilityTime', { value: ts(t.date) });
        writeConfidentiality(ctx, t.confidential);
      }),
    );
    component(ctx, true, () =>
      w.wrap('CompoundStatement', { classCode: 'CLUSTER', moodCode: 'EVN' }, () => {
        compoundHead(ctx, derivedId(t.id, 'specimen-cluster'), CODES.specimen, t.date, t.confidential);
        w.wrap('specimen', { typeCode: 'SPC' }, () =>
          w.wrap('specimenRole', { classCode: 'SPEC' }, () => {
            w.element('id', { root: derivedId(t.id, 'specimen') });
            w.wrap('specimenSpecimenMaterial', { classCode: 'MAT', determinerCode: 'INSTANCE' }, () =>
              w.text('desc', SPECIMEN[t.concept] ?? 'BLOOD'),
            );
          }),
        );
        component(ctx, true, () =>
          w.wrap('CompoundStatement', { classCode: 'BATTERY', moodCode: 'EVN' }, () => {
            compoundHead(ctx, derivedId(t.id, 'battery'), conceptCode(t.concept, t.term), t.date, t.confidential);
            for (const v of t.results) component(ctx, true, () => writeResultValue(ctx, t, v, agentKey));
            writeParticipant(ctx, agentKey);
          }),
        );
      }),
    );
    writeParticipant(ctx, agentKey);
  });
}
