import { EXTENSIONS } from '@lloyd/adapters-core';
import { parseConcept } from '../../datatypes/codeable-concept.js';
import { OIDS } from '../../datatypes/code-systems.js';
import { tsToInstant } from '../../datatypes/timestamp.js';
import { attr, child, children, path, type XNode } from '../../xml/xml-tree.js';
import { confidentialMeta, isConfidentialNode } from '../parse-context.js';
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
import { isDocumentNarrative, narrativeText } from './narrative.js';
import { LABORATORY_CATEGORY, observationEffective, observationFromStatement } from './observation.js';

/** Results, specimens and comments collected while a laboratory report is read. */
export interface ReportState {
  results: fhir4.Reference[];
  specimens: fhir4.Reference[];
  conclusion: string[];
}

/** A test group (battery or template) whose members are being collected. */
export interface PanelState {
  members: fhir4.Reference[];
  notes: fhir4.Annotation[];
}

/** Where a statement sits, which decides what it becomes. */
export type Container =
  | { kind: 'plain' }
  | { kind: 'report'; report: ReportState; specimen?: fhir4.Reference; specimenNotes?: fhir4.Annotation[] }
  | { kind: 'panel'; panel: PanelState; report?: ReportState; specimen?: fhir4.Reference };

/** Walks the components of an element with a container (provided by the composition translator). */
export type Walk = (scope: CompositionScope, parent: XNode, container: Container) => void;

/** SNOMED "laboratory reporting": the cluster GP2GP uses for a filed laboratory report. */
export const LAB_REPORT_CODE = '16488004';
/** SNOMED "specimen": the cluster holding one specimen's tests. */
export const SPECIMEN_CODE = '123038009';
/** Read v2 allergy headers and the SNOMED transfer-degraded allergy codes. */
export const DRUG_ALLERGY_CODES = new Set(['14L..00', '196461000000101']);
export const NON_DRUG_ALLERGY_CODES = new Set(['SN53.00', '196471000000108']);

export const LAB_REPORT_CATEGORY: fhir4.CodeableConcept = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
};

function codesOf(node: XNode): string[] {
  const code = child(node, 'code');
  return [attr(code, 'code'), ...children(code, 'translation').map((t) => attr(t, 'code'))].filter(
    (c): c is string => c !== undefined,
  );
}

function hasCode(node: XNode, code: string): boolean {
  return codesOf(node).includes(code);
}

function allergyKind(node: XNode): 'drug' | 'non-drug' | undefined {
  if (attr(node, 'classCode') === 'TOPIC') return undefined;
  const codes = codesOf(node);
  if (codes.some((c) => DRUG_ALLERGY_CODES.has(c))) return 'drug';
  if (codes.some((c) => NON_DRUG_ALLERGY_CODES.has(c))) return 'non-drug';
  return undefined;
}

function statementChildren(node: XNode): XNode[] {
  const out: XNode[] = [];
  for (const component of children(node, 'component')) {
    for (const c of component.children) if (c.name !== 'sequenceNumber' && c.name !== 'seperatableInd') out.push(c);
  }
  return out;
}

function allergy(scope: CompositionScope, node: XNode, kind: 'drug' | 'non-drug'): void {
  const ctx = scope.ctx;
  const observations = statementChildren(node).filter((c) => c.name === 'ObservationStatement');
  const sources = observations.length > 0 ? observations : [node];
  for (const source of sources) {
    const sourceId = statementId(source);
    const ownInterval = parseInterval(child(source, 'effectiveTime'));
    const outerInterval = parseInterval(child(node, 'effectiveTime'));
    const ended = ownInterval.high ?? outerInterval.high;
    const resolved = ended !== undefined;
    const allergyIntolerance: fhir4.AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      id: ctx.uniqueId('AllergyIntolerance', sourceId, `allergy-${ctx.resources.length}`),
      clinicalStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
            code: resolved ? 'resolved' : 'active',
            display: resolved ? 'Resolved' : 'Active',
          },
        ],
      },
      verificationStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
            code: 'confirmed',
            display: 'Confirmed',
          },
        ],
      },
      type: 'allergy',
      patient: ctx.patientRef,
    };
    // GP Connect's AllergyIntoleranceEnd: the extract gives the end date (its effectiveTime's high), not a reason.
    if (ended)
      allergyIntolerance.extension = [
        { url: EXTENSIONS.allergyEnd, extension: [{ url: 'endDate', valueDateTime: ended }] },
      ];
    put(
      allergyIntolerance,
      'meta',
      confidentialMeta(scope.confidential || isConfidentialNode(node) || isConfidentialNode(source)),
    );
    // As the NHS receiving adaptor does: a drug allergy is medication, any other allergy environment (the extract
    // says no more than "non-drug").
    allergyIntolerance.category = [kind === 'drug' ? 'medication' : 'environment'];
    allergyIntolerance.code = parseConcept(child(source, 'code')) ??
      parseConcept(child(node, 'code')) ?? { text: 'Allergy' };
    put(allergyIntolerance, 'encounter', scope.encounter);
    put(allergyIntolerance, 'onsetDateTime', intervalStart(ownInterval) ?? intervalStart(outerInterval));
    put(allergyIntolerance, 'recordedDate', availability(source) ?? availability(node));
    const who = performerOf(scope, source);
    put(allergyIntolerance, 'recorder', scope.recorder ?? who);
    put(allergyIntolerance, 'asserter', who);
    put(allergyIntolerance, 'note', annotations(source));
    ctx.add(allergyIntolerance, sourceId);
  }
  for (const other of statementChildren(node)) {
    if (other.name !== 'ObservationStatement') ctx.skip(`allergy/${other.name}`);
  }
}

function report(scope: CompositionScope, node: XNode, walk: Walk): void {
  const ctx = scope.ctx;
  const sourceId = statementId(node);
  const state: ReportState = { results: [], specimens: [], conclusion: [] };
  const id = ctx.uniqueId('DiagnosticReport', sourceId, `report-${ctx.resources.length}`);
  walk(scope, node, { kind: 'report', report: state });
  const diagnosticReport: fhir4.DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    category: [structuredClone(LAB_REPORT_CATEGORY)],
    code: parseConcept(child(node, 'code')) ?? { text: 'Laboratory report' },
    subject: ctx.patientRef,
  };
  put(diagnosticReport, 'meta', statementMeta(scope, node));
  put(diagnosticReport, 'encounter', scope.encounter);
  put(diagnosticReport, 'effectiveDateTime', intervalStart(parseInterval(child(node, 'effectiveTime'))));
  put(diagnosticReport, 'issued', tsToInstant(attr(child(node, 'availabilityTime'), 'value')));
  const performer = performerOf(scope, node);
  if (performer) diagnosticReport.performer = [performer];
  put(diagnosticReport, 'specimen', state.specimens);
  put(diagnosticReport, 'result', state.results);
  if (state.conclusion.length > 0) diagnosticReport.conclusion = state.conclusion.join('\n\n');
  ctx.add(diagnosticReport, sourceId);
}

function specimen(scope: CompositionScope, node: XNode, state: ReportState, walk: Walk): void {
  const ctx = scope.ctx;
  const role = path(node, 'specimen', 'specimenRole');
  const ids = children(role, 'id');
  const roleId = attr(ids[0], 'root');
  const resource: fhir4.Specimen = {
    resourceType: 'Specimen',
    id: ctx.uniqueId('Specimen', roleId ?? statementId(node), `specimen-${ctx.resources.length}`),
  };
  put(resource, 'meta', statementMeta(scope, node));
  const accession = ids.map((i) => attr(i, 'extension')).find((e) => e !== undefined);
  if (accession) resource.accessionIdentifier = { value: accession };
  const material = path(role, 'specimenSpecimenMaterial', 'desc');
  const description = material?.text.trim();
  if (description) resource.type = { text: description };
  resource.subject = ctx.patientRef;
  const collected = intervalStart(parseInterval(child(role, 'effectiveTime')));
  if (collected) resource.collection = { collectedDateTime: collected };
  const reference = { reference: `Specimen/${resource.id}` };
  const notes: fhir4.Annotation[] = [];
  walk(scope, node, { kind: 'report', report: state, specimen: reference, specimenNotes: notes });
  put(resource, 'note', notes);
  state.specimens.push(reference);
  ctx.add(resource, statementId(node));
}

function panel(scope: CompositionScope, node: XNode, container: Container, walk: Walk): void {
  const ctx = scope.ctx;
  const reportState =
    container.kind === 'report' ? container.report : container.kind === 'panel' ? container.report : undefined;
  const specimenRef = container.kind === 'plain' ? undefined : container.specimen;
  const statements = statementChildren(node);
  const observations = statements.filter((s) => s.name === 'ObservationStatement');
  const onlyNarratives = statements.every((s) => s.name === 'ObservationStatement' || s.name === 'NarrativeStatement');

  // In a laboratory report a cluster around a single result is just that result with its comments.
  if (reportState && observations.length === 1 && onlyNarratives) {
    const extraNotes = statements
      .filter((s) => s.name === 'NarrativeStatement' && !isDocumentNarrative(s))
      .map((s) => narrativeText(s))
      .filter((t): t is string => t !== undefined)
      .map((text) => ({ text }));
    const result = observationFromStatement(scope, observations[0]!, {
      laboratory: true,
      specimen: specimenRef,
      extraNotes,
    });
    ctx.add(result, statementId(observations[0]!));
    addToParent(container, { reference: `Observation/${result.id}` });
    walkDocuments(scope, statements, walk, container);
    return;
  }

  const sourceId = statementId(node);
  const observation: fhir4.Observation = {
    resourceType: 'Observation',
    id: ctx.uniqueId('Observation', sourceId, `panel-${ctx.resources.length}`),
    status: 'final',
    code: parseConcept(child(node, 'code')) ?? { text: 'Unknown' },
  };
  put(observation, 'meta', statementMeta(scope, node));
  if (reportState) observation.category = [structuredClone(LABORATORY_CATEGORY)];
  observation.subject = ctx.patientRef;
  put(observation, 'encounter', scope.encounter);
  observationEffective(node, observation);
  const performer = performerOf(scope, node);
  if (performer) observation.performer = [performer];
  put(observation, 'specimen', specimenRef);
  const state: PanelState = { members: [], notes: [] };
  walk(scope, node, { kind: 'panel', panel: state, report: reportState, specimen: specimenRef });
  put(observation, 'note', state.notes);
  put(observation, 'hasMember', state.members);
  ctx.add(observation, sourceId);
  addToParent(container, { reference: `Observation/${observation.id}` });
}

function walkDocuments(scope: CompositionScope, statements: XNode[], walk: Walk, container: Container): void {
  const documents = statements.filter((s) => s.name === 'NarrativeStatement' && isDocumentNarrative(s));
  if (documents.length === 0) return;
  const holder = {
    name: 'documents',
    attrs: {},
    text: '',
    children: documents.map((d) => ({ name: 'component', attrs: {}, text: '', children: [d] })),
  };
  walk(scope, holder, container);
}

function addToParent(container: Container, reference: fhir4.Reference): void {
  if (container.kind === 'report') container.report.results.push(reference);
  else if (container.kind === 'panel') container.panel.members.push(reference);
}

/**
 * A CompoundStatement. Allergy categories (Read `14L..00` drug, `SN53.00` non-drug) become AllergyIntolerances;
 * a `laboratory reporting` cluster a DiagnosticReport with its specimens and results; other batteries and clusters a
 * grouping Observation with `hasMember` (as the NHS adaptor does with templates); topics and categories are only
 * containers.
 */
export function translateCompoundStatement(
  outer: CompositionScope,
  node: XNode,
  container: Container,
  walk: Walk,
): void {
  // Confidentiality of a compound statement conducts to everything inside it.
  const scope = !outer.confidential && isConfidentialNode(node) ? { ...outer, confidential: true } : outer;
  const kind = allergyKind(node);
  if (kind) {
    allergy(scope, node, kind);
    return;
  }
  const classCode = attr(node, 'classCode');
  const inReport = container.kind !== 'plain' && (container.kind === 'report' || container.report !== undefined);
  if (hasCode(node, LAB_REPORT_CODE) && !inReport && codeSystemIsSnomed(node)) {
    report(scope, node, walk);
    return;
  }
  if (container.kind === 'report' && !container.specimen && hasCode(node, SPECIMEN_CODE)) {
    specimen(scope, node, container.report, walk);
    return;
  }
  if (classCode === 'BATTERY' || classCode === 'CLUSTER') {
    panel(scope, node, container, walk);
    return;
  }
  walk(scope, node, container);
}

function codeSystemIsSnomed(node: XNode): boolean {
  const code = child(node, 'code');
  return attr(code, 'codeSystem') === OIDS.snomed || attr(code, 'codeSystem') === undefined;
}
