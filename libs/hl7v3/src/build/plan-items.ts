import type { XmlWriter } from '../xml/xml-writer.js';
import type { BuildContext } from './build-context.js';
import { writeAllergy } from './write-allergy.js';
import { writeDocument } from './write-document.js';
import { writeAuthorisation, writeIssue } from './write-medication.js';
import { inComponent, writeImmunization, writeObservationTree } from './write-observation.js';
import { namedStatementOf, writeProblem, writeProblemObservation } from './write-problem.js';
import { writeReport } from './write-report.js';
import { writeReferralLinks, writeServiceRequest } from './write-request.js';

/** One top-level entry of the extract: what it is written from, where it belongs and how to write it. */
export interface ExtractItem {
  resource: fhir4.Resource;
  /** The Encounter (consultation) it was recorded in, if that Encounter is in the record. */
  encounter?: fhir4.Encounter;
  /** Its main date, for a composition of its own. */
  date?: string;
  /** Who recorded it. */
  author?: fhir4.Reference;
  medication: boolean;
  /** Writes its `component`(s) into a composition. */
  write(w: XmlWriter): void;
}

const ORDER_INTENTS = new Set(['order', 'original-order', 'reflex-order', 'filler-order', 'instance-order']);

function encounterOf(ctx: BuildContext, resource: fhir4.Resource): fhir4.Encounter | undefined {
  let reference: fhir4.Reference | undefined;
  if (resource.resourceType === 'MedicationStatement') reference = (resource as fhir4.MedicationStatement).context;
  else if (resource.resourceType === 'DocumentReference')
    reference = (resource as fhir4.DocumentReference).context?.encounter?.[0];
  else reference = (resource as { encounter?: fhir4.Reference }).encounter;
  const encounter = ctx.resolve<fhir4.Encounter>(reference);
  return encounter?.resourceType === 'Encounter' ? encounter : undefined;
}

type Getter<T> = (resource: never) => T | undefined;

/** The main date of each kind of entry, for a composition of its own. */
const DATE_OF: Readonly<Record<string, Getter<string>>> = {
  Observation: (r: fhir4.Observation) => r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.issued,
  Immunization: (r: fhir4.Immunization) => r.occurrenceDateTime ?? r.recorded,
  AllergyIntolerance: (r: fhir4.AllergyIntolerance) => r.onsetDateTime ?? r.recordedDate,
  Condition: (r: fhir4.Condition) => r.onsetDateTime ?? r.recordedDate,
  MedicationRequest: (r: fhir4.MedicationRequest) => r.authoredOn,
  MedicationStatement: (r: fhir4.MedicationStatement) => r.effectivePeriod?.start ?? r.dateAsserted,
  ServiceRequest: (r: fhir4.ServiceRequest) => r.authoredOn ?? r.occurrenceDateTime,
  DocumentReference: (r: fhir4.DocumentReference) => r.date ?? r.content[0]?.attachment.creation,
  DiagnosticReport: (r: fhir4.DiagnosticReport) => r.effectiveDateTime ?? r.issued,
};

/** Who recorded each kind of entry. */
const AUTHOR_OF: Readonly<Record<string, Getter<fhir4.Reference>>> = {
  Observation: (r: fhir4.Observation) => r.performer?.[0],
  DiagnosticReport: (r: fhir4.DiagnosticReport) => r.performer?.[0],
  Immunization: (r: fhir4.Immunization) => r.performer?.[0]?.actor,
  AllergyIntolerance: (r: fhir4.AllergyIntolerance) => r.recorder ?? r.asserter,
  Condition: (r: fhir4.Condition) => r.recorder ?? r.asserter,
  MedicationRequest: (r: fhir4.MedicationRequest) => r.requester,
  ServiceRequest: (r: fhir4.ServiceRequest) => r.requester,
  MedicationStatement: (r: fhir4.MedicationStatement) => r.informationSource,
  DocumentReference: (r: fhir4.DocumentReference) => r.author?.[0],
};

function dateOf(resource: fhir4.Resource): string | undefined {
  return DATE_OF[resource.resourceType]?.(resource as never);
}

function authorOf(resource: fhir4.Resource): fhir4.Reference | undefined {
  return AUTHOR_OF[resource.resourceType]?.(resource as never);
}

/**
 * Decides how each canonical resource travels: as its own entry, inside another entry (panel members, report
 * results and specimens, the MedicationStatement of an authorisation, Medications), or not at all (reported
 * through `onSkipped`). Entries keep the record's order.
 */
export function planItems(ctx: BuildContext): { items: ExtractItem[]; encounters: fhir4.Encounter[] } {
  const { resources } = ctx.record;
  const inside = new Set<fhir4.Resource>();
  const statementsByPlan = new Map<fhir4.Resource, fhir4.MedicationStatement>();
  for (const r of resources) {
    if (r.resourceType === 'Observation') {
      for (const m of (r as fhir4.Observation).hasMember ?? []) {
        const member = ctx.resolve(m);
        if (member && member !== r) inside.add(member);
      }
    } else if (r.resourceType === 'DiagnosticReport') {
      const report = r as fhir4.DiagnosticReport;
      for (const ref of [...(report.result ?? []), ...(report.specimen ?? [])]) {
        const target = ctx.resolve(ref);
        if (target) inside.add(target);
      }
    } else if (r.resourceType === 'MedicationStatement') {
      const plan = ((r as fhir4.MedicationStatement).basedOn ?? [])
        .map((b) => ctx.resolve(b))
        .find((p) => p?.resourceType === 'MedicationRequest');
      if (plan && !statementsByPlan.has(plan) && !ORDER_INTENTS.has((plan as fhir4.MedicationRequest).intent)) {
        statementsByPlan.set(plan, r as fhir4.MedicationStatement);
        inside.add(r);
      }
    }
  }

  const written = new Set<fhir4.Resource>();
  const items: ExtractItem[] = [];
  const encounters: fhir4.Encounter[] = [];
  const add = (resource: fhir4.Resource, write: (w: XmlWriter) => void, medication = false): void => {
    const encounter = encounterOf(ctx, resource);
    const date = dateOf(resource);
    const author = authorOf(resource);
    items.push({
      resource,
      medication,
      write,
      ...(encounter ? { encounter } : {}),
      ...(date ? { date } : {}),
      ...(author ? { author } : {}),
    });
  };

  // A consultation's place travels by name as its composition's location: that Location is carried, not skipped.
  const places = new Set(
    resources.flatMap((r) =>
      r.resourceType === 'Encounter' ? [(r as fhir4.Encounter).location?.[0]?.location.reference ?? ''] : [],
    ),
  );

  for (const r of resources) {
    if (inside.has(r)) continue;
    switch (r.resourceType) {
      case 'Location':
        if (!places.has(`Location/${r.id ?? ''}`)) ctx.onSkipped(r, 'unsupported-type');
        break;
      case 'Encounter':
        encounters.push(r as fhir4.Encounter);
        break;
      case 'Observation': {
        const observation = r as fhir4.Observation;
        add(r, (w) => inComponent(w, false, () => writeObservationTree(w, ctx, observation, written)));
        break;
      }
      case 'Immunization':
        add(r, (w) => inComponent(w, false, () => writeImmunization(w, ctx, r as fhir4.Immunization)));
        break;
      case 'AllergyIntolerance':
        add(r, (w) => inComponent(w, false, () => writeAllergy(w, ctx, r as fhir4.AllergyIntolerance)));
        break;
      case 'Condition': {
        const condition = r as fhir4.Condition;
        add(r, (w) => {
          const { named, linked } = namedStatementOf(ctx, condition);
          let namedId = named ? ctx.xmlId(named) : undefined;
          if (!namedId) inComponent(w, false, () => (namedId = writeProblemObservation(w, ctx, condition)));
          inComponent(w, false, () => writeProblem(w, ctx, condition, namedId!, linked));
        });
        break;
      }
      case 'MedicationRequest': {
        const request = r as fhir4.MedicationRequest;
        if (ORDER_INTENTS.has(request.intent))
          add(r, (w) => inComponent(w, false, () => writeIssue(w, ctx, request)), true);
        else
          add(
            r,
            (w) => inComponent(w, false, () => writeAuthorisation(w, ctx, request, statementsByPlan.get(request))),
            true,
          );
        break;
      }
      case 'MedicationStatement': {
        const statement = r as fhir4.MedicationStatement;
        const plan = authorisationFor(statement);
        add(r, (w) => inComponent(w, false, () => writeAuthorisation(w, ctx, plan, statement)), true);
        break;
      }
      case 'ServiceRequest': {
        const request = r as fhir4.ServiceRequest;
        add(r, (w) => {
          inComponent(w, false, () => writeServiceRequest(w, ctx, request));
          const documents = (request.supportingInfo ?? [])
            .map((s) => ctx.resolve(s))
            .filter((d): d is fhir4.Resource => d !== undefined);
          if (documents.length > 0 && request.intent !== 'plan')
            inComponent(w, false, () => writeReferralLinks(w, ctx, request, documents));
        });
        break;
      }
      case 'DocumentReference':
        add(r, (w) => inComponent(w, false, () => writeDocument(w, ctx, r as fhir4.DocumentReference)));
        break;
      case 'DiagnosticReport':
        add(r, (w) => inComponent(w, false, () => writeReport(w, ctx, r as fhir4.DiagnosticReport, written)));
        break;
      case 'Medication':
        break;
      case 'Specimen':
        ctx.onSkipped(r, 'orphan-specimen');
        break;
      default:
        ctx.onSkipped(r, 'unsupported-type');
    }
  }
  return { items, encounters };
}

/** A statement without its authorisation still travels as one (GP2GP has no bare medication statement). */
function authorisationFor(statement: fhir4.MedicationStatement): fhir4.MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: `${statement.id ?? 'statement'}-authorisation`,
    status: statement.status === 'active' ? 'active' : statement.status === 'stopped' ? 'stopped' : 'completed',
    intent: 'plan',
    subject: statement.subject,
    ...(statement.medicationReference ? { medicationReference: statement.medicationReference } : {}),
    ...(statement.medicationCodeableConcept ? { medicationCodeableConcept: statement.medicationCodeableConcept } : {}),
    ...(statement.dateAsserted ? { authoredOn: statement.dateAsserted } : {}),
    ...(statement.meta ? { meta: statement.meta } : {}),
  };
}
