import { parseConcept } from '../../datatypes/codeable-concept.js';
import { child, type XNode } from '../../xml/xml-tree.js';
import {
  annotations,
  availability,
  intervalStart,
  parseInterval,
  performerOf,
  put,
  statementId,
  statementMeta,
  type CompositionScope,
} from '../statement-common.js';
import { isImmunisationCode } from './immunisation-codes.js';
import { parseObservationValue, parseReferenceRanges } from './observation-value.js';

export const LABORATORY_CATEGORY: fhir4.CodeableConcept = {
  coding: [
    { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' },
  ],
};

export interface ObservationOptions {
  laboratory?: boolean;
  specimen?: fhir4.Reference;
  /** Narrative comments that belong to this result (a test cluster's NarrativeStatements). */
  extraNotes?: fhir4.Annotation[];
}

/** The effective[x] of an Observation from an IVL_TS, falling back to the availability time. */
export function observationEffective(node: XNode, target: fhir4.Observation): void {
  const interval = parseInterval(child(node, 'effectiveTime'));
  if (interval.center) target.effectiveDateTime = interval.center;
  else if (interval.low || interval.high) {
    const period: fhir4.Period = {};
    put(period, 'start', interval.low);
    put(period, 'end', interval.high);
    target.effectivePeriod = period;
  } else put(target, 'effectiveDateTime', availability(node));
}

/** An ObservationStatement as an Observation (uncategorised unless it is a laboratory result). */
export function observationFromStatement(
  scope: CompositionScope,
  node: XNode,
  options: ObservationOptions = {},
): fhir4.Observation {
  const sourceId = statementId(node);
  const code = parseConcept(child(node, 'code'));
  const observation: fhir4.Observation = {
    resourceType: 'Observation',
    id: scope.ctx.uniqueId('Observation', sourceId, `obs-${scope.ctx.resources.length}`),
    status: 'final',
    code: code ?? { text: 'Unknown' },
  };
  put(observation, 'meta', statementMeta(scope, node));
  if (options.laboratory) observation.category = [structuredClone(LABORATORY_CATEGORY)];
  observation.subject = scope.ctx.patientRef;
  put(observation, 'encounter', scope.encounter);
  observationEffective(node, observation);
  const performer = performerOf(scope, node);
  if (performer) observation.performer = [performer];
  Object.assign(observation, parseObservationValue(child(node, 'value')));
  const interpretation = parseConcept(child(node, 'interpretationCode'));
  if (interpretation) observation.interpretation = [interpretation];
  put(observation, 'note', [...annotations(node), ...(options.extraNotes ?? [])]);
  put(observation, 'specimen', options.specimen);
  put(observation, 'referenceRange', parseReferenceRanges(node));
  if (child(node, 'subject')) scope.ctx.skip('ObservationStatement/subject');
  return observation;
}

function immunizationFromStatement(
  scope: CompositionScope,
  node: XNode,
  code: fhir4.CodeableConcept,
): fhir4.Immunization {
  const sourceId = statementId(node);
  const immunization: fhir4.Immunization = {
    resourceType: 'Immunization',
    id: scope.ctx.uniqueId('Immunization', sourceId, `imm-${scope.ctx.resources.length}`),
    status: 'completed',
    vaccineCode: code,
    patient: scope.ctx.patientRef,
    occurrenceString: 'Unknown',
  };
  put(immunization, 'meta', statementMeta(scope, node));
  put(immunization, 'encounter', scope.encounter);
  const when = intervalStart(parseInterval(child(node, 'effectiveTime'))) ?? availability(node);
  if (when) {
    delete immunization.occurrenceString;
    immunization.occurrenceDateTime = when;
  }
  put(immunization, 'recorded', availability(node));
  const performer = performerOf(scope, node);
  if (performer) immunization.performer = [{ actor: performer }];
  const notes = annotations(node);
  // A vaccination not given travels as text (GP2GP has no field for it): "Status: not given Reason not given: …".
  const notGiven = notes.find((n) => /^\s*status:\s*not given/i.test(n.text));
  if (notGiven) {
    immunization.status = 'not-done';
    const reason = /reason not given:\s*(.+)$/i.exec(notGiven.text)?.[1]?.trim();
    if (reason) immunization.statusReason = { text: reason };
  }
  put(
    immunization,
    'note',
    notes.filter((n) => n !== notGiven),
  );
  return immunization;
}

/** A stand-alone ObservationStatement: an Immunization when its code is a vaccination, otherwise an Observation. */
export function translateObservationStatement(scope: CompositionScope, node: XNode): void {
  const code = parseConcept(child(node, 'code'));
  const sourceId = statementId(node);
  if (code && isImmunisationCode(code) && !child(node, 'value')) {
    scope.ctx.add(immunizationFromStatement(scope, node, code), sourceId);
    return;
  }
  scope.ctx.add(observationFromStatement(scope, node), sourceId);
}
