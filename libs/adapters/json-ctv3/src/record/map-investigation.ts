/**
 * An investigation (a test battery with its results) becomes a DiagnosticReport referencing one laboratory
 * Observation per result, with value, reference range and interpretation.
 */
import { compact } from '@lloyd/adapters-core';
import type { EntryOf } from '../native.js';
import { codeableConcept, confidentialMeta, fhirDate, quantity, reference, type EntryContext } from './context.js';

type InvestigationEntry = EntryOf<'investigation'>;
type AbnormalFlag = NonNullable<InvestigationEntry['results'][number]['abnormalFlag']>;

const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const INTERPRETATION: Record<AbnormalFlag, string> = {
  N: 'Normal',
  L: 'Low',
  H: 'High',
  LL: 'Critical low',
  HH: 'Critical high',
  A: 'Abnormal',
};
const LABORATORY: fhir4.CodeableConcept = {
  coding: [
    { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' },
  ],
};
const REPORT_CATEGORY: fhir4.CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
};

function bound(value: number | undefined, unit: string | undefined): fhir4.Quantity | undefined {
  return value === undefined ? undefined : quantity(value, unit);
}

export function mapInvestigation(e: InvestigationEntry, ctx: EntryContext): fhir4.Resource[] {
  const meta = confidentialMeta(ctx.confidential);
  const effective = fhirDate(e.date);
  const laboratory = e.laboratory ? [{ display: e.laboratory }] : undefined;
  const status = e.status;

  const results = e.results.map((r): fhir4.Observation =>
    compact({
      resourceType: 'Observation' as const,
      id: r.resultId,
      meta,
      status,
      category: [LABORATORY],
      code: codeableConcept(r.readCode, r.text, ctx.ods, r.originalCodes),
      subject: ctx.patient,
      encounter: ctx.encounter,
      effectiveDateTime: effective,
      valueQuantity: r.value ? quantity(r.value.value, r.value.units) : undefined,
      interpretation: r.abnormalFlag
        ? [
            {
              coding: [
                { system: INTERPRETATION_SYSTEM, code: r.abnormalFlag, display: INTERPRETATION[r.abnormalFlag] },
              ],
            },
          ]
        : undefined,
      referenceRange:
        r.range && (r.range.low !== undefined || r.range.high !== undefined)
          ? [
              compact({
                low: bound(r.range.low, r.range.units ?? r.value?.units),
                high: bound(r.range.high, r.range.units ?? r.value?.units),
              }),
            ]
          : undefined,
    }),
  );

  const report: fhir4.DiagnosticReport = compact({
    resourceType: 'DiagnosticReport' as const,
    id: e.entryId,
    meta,
    status,
    category: [REPORT_CATEGORY],
    code: codeableConcept(e.readCode, e.text, ctx.ods, e.originalCodes),
    subject: ctx.patient,
    encounter: ctx.encounter,
    effectiveDateTime: effective,
    performer: laboratory,
    result: results.map((o) => reference('Observation', o.id ?? '')),
    conclusion: e.comment,
  });

  return [report, ...results];
}
