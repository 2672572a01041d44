import { parseConcept } from '../datatypes/codeable-concept.js';
import { tsToFhir } from '../datatypes/timestamp.js';
import { attr, child, childText, children, path, type XNode } from '../xml/xml-tree.js';
import { confidentialMeta, isConfidentialNode, type ParseContext } from './parse-context.js';
import { availability, parseInterval, put, statementId, type CompositionScope } from './statement-common.js';
import { translateCompoundStatement, type Container } from './statements/compound.js';
import { translateLinkSet } from './statements/linkset.js';
import { translateMedicationStatement } from './statements/medication.js';
import {
  commentObservation,
  isDocumentNarrative,
  narrativeText,
  translateNarrativeStatement,
} from './statements/narrative.js';
import { observationFromStatement, translateObservationStatement } from './statements/observation.js';
import { translateRequestOrPlan } from './statements/request.js';

/** SNOMED composition codes that mean "not a consultation" (the NHS receiving adaptor makes no Encounter for them). */
export const NON_CONSULTATION_CODES = new Set(['196401000000100', '196391000000103']);

const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

function statementOf(component: XNode): XNode | undefined {
  return component.children.find((c) => c.name !== 'sequenceNumber' && c.name !== 'seperatableInd');
}

function isConsultation(composition: XNode): boolean {
  if (NON_CONSULTATION_CODES.has(attr(child(composition, 'code'), 'code') ?? '')) return false;
  return !children(composition, 'component').some((c) => {
    const s = statementOf(c);
    return s?.name === 'EhrEmpty' || s?.name === 'RegistrationStatement';
  });
}

function walkObservation(scope: CompositionScope, node: XNode, container: Container): void {
  if (container.kind === 'plain') {
    translateObservationStatement(scope, node);
    return;
  }
  const laboratory = container.kind === 'report' || container.report !== undefined;
  const observation = observationFromStatement(scope, node, { laboratory, specimen: container.specimen });
  scope.ctx.add(observation, statementId(node));
  const reference = { reference: `Observation/${observation.id}` };
  if (container.kind === 'report') container.report.results.push(reference);
  else container.panel.members.push(reference);
}

function walkNarrative(scope: CompositionScope, node: XNode, container: Container): void {
  if (container.kind === 'plain' || isDocumentNarrative(node)) {
    translateNarrativeStatement(scope, node);
    return;
  }
  const text = narrativeText(node);
  if (!text) {
    scope.ctx.skip('NarrativeStatement(empty)');
    return;
  }
  if (container.kind === 'panel') container.panel.notes.push({ text });
  else if (container.specimenNotes) container.specimenNotes.push({ text });
  else if (container.kind === 'report') container.report.conclusion.push(text);
  else {
    const comment = commentObservation(scope, node);
    if (comment) scope.ctx.add(comment, statementId(node));
  }
}

/** Translates every statement under `parent` (its `component` children), depth first, in document order. */
export function walkComponents(scope: CompositionScope, parent: XNode, container: Container): void {
  for (const component of children(parent, 'component')) {
    const statement = statementOf(component);
    if (!statement) {
      scope.ctx.skip('component(empty)');
      continue;
    }
    switch (statement.name) {
      case 'ObservationStatement':
        walkObservation(scope, statement, container);
        break;
      case 'NarrativeStatement':
        walkNarrative(scope, statement, container);
        break;
      case 'CompoundStatement':
        translateCompoundStatement(scope, statement, container, walkComponents);
        break;
      case 'MedicationStatement':
        translateMedicationStatement(scope, statement);
        break;
      case 'LinkSet':
        translateLinkSet(scope, statement);
        break;
      case 'PlanStatement':
        translateRequestOrPlan(scope, statement, 'plan');
        break;
      case 'RequestStatement':
        translateRequestOrPlan(scope, statement, 'order');
        break;
      default:
        // EhrEmpty (a withdrawn entry), RegistrationStatement and anything unknown carry nothing for the record.
        scope.ctx.skip(statement.name);
    }
  }
}

function encounterFor(ctx: ParseContext, composition: XNode, scope: CompositionScope): fhir4.Encounter {
  const sourceId = statementId(composition);
  const encounter: fhir4.Encounter = {
    resourceType: 'Encounter',
    id: ctx.uniqueId('Encounter', sourceId, `encounter-${ctx.stats.compositions}`),
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
  };
  put(encounter, 'meta', confidentialMeta(scope.confidential));
  const type = parseConcept(child(composition, 'code'));
  if (type) encounter.type = [type];
  encounter.subject = ctx.patientRef;
  const participant: fhir4.EncounterParticipant[] = [];
  if (scope.recorder) {
    participant.push({
      type: [{ coding: [{ system: PARTICIPATION, code: 'AUT', display: 'author (originator)' }] }],
      individual: scope.recorder,
    });
  }
  if (scope.performer) {
    participant.push({
      type: [{ coding: [{ system: PARTICIPATION, code: 'PPRF', display: 'primary performer' }] }],
      individual: scope.performer,
    });
  }
  put(encounter, 'participant', participant);
  const interval = parseInterval(child(composition, 'effectiveTime'));
  const period: fhir4.Period = {};
  put(period, 'start', interval.center ?? interval.low ?? (interval.high ? undefined : availability(composition)));
  put(period, 'end', interval.high);
  if (period.start || period.end) encounter.period = period;
  const place = childText(path(composition, 'location', 'locatedEntity', 'locatedPlace'), 'name');
  if (place) encounter.location = [{ location: { display: place } }];
  return encounter;
}

/**
 * Translates one `ehrComposition`. A consultation becomes an Encounter that its items reference; the items of
 * other compositions (non-consultation data, withdrawn or registration entries) stand alone.
 */
export function translateComposition(ctx: ParseContext, composition: XNode): void {
  ctx.stats.compositions++;
  const author = child(composition, 'author');
  const performerNode = children(composition, 'Participant2').find((p) => !attr(p, 'nullFlavor'));
  const scope: CompositionScope = { ctx, confidential: isConfidentialNode(composition) };
  put(
    scope,
    'recorder',
    ctx.practitionerReference(child(author, 'agentRef')) ?? ctx.agentReference(child(author, 'agentRef')),
  );
  put(scope, 'recordedTime', tsToFhir(attr(child(author, 'time'), 'value')));
  put(scope, 'performer', ctx.agentReference(child(performerNode, 'agentRef')));
  if (isConsultation(composition)) {
    const encounter = encounterFor(ctx, composition, scope);
    ctx.add(encounter, statementId(composition));
    scope.encounter = { reference: `Encounter/${encounter.id}` };
  }
  walkComponents(scope, composition, { kind: 'plain' });
}
