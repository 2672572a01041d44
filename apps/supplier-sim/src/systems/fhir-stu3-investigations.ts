/** A test report as GP Connect STU3 gives it (EMIS style): report, specimen, test group, results, comment. */
import type { TestResult } from '../generator/model.js';
import { codeable, identifier, instant, meta, ref, snomed, type Json } from './fhir-stu3-common.js';
import { COMMENT_NOTE, encounter, quantity, recorder, subject, type ItemContext } from './fhir-stu3-items.js';

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
