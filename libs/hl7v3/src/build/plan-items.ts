import { isConfidential } from '@lloyd/adapters-core';
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
  const r = resource as fhir4.FhirResource;
  let reference: fhir4.Reference | undefined;
  switch (r.resourceType) {
    case 'MedicationStatement':
      reference = r.context;
      break;
    case 'DocumentReference':
      reference = r.context?.encounter?.[0];
      break;
    case 'Observation':
    case 'Immunization':
    case 'AllergyIntolerance':
    case 'Condition':
    case 'MedicationRequest':
    case 'ServiceRequest':
    case 'DiagnosticReport':
      reference = r.encounter;
      break;
    default:
      reference = undefined;
  }
  const encounter = ctx.resolve<fhir4.Encounter>(reference);
  return encounter?.resourceType === 'Encounter' ? encounter : undefined;
}

function dateOf(resource: fhir4.Resource): string | undefined {
  const r = resource as fhir4.FhirResource;
  switch (r.resourceType) {
    case 'Observation':
      return r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.issued;
    case 'Immunization':
      return r.occurrenceDateTime ?? r.recorded;
    case 'AllergyIntolerance':
      return r.onsetDateTime ?? r.recordedDate;
    case 'Condition':
      return r.onsetDateTime ?? r.recordedDate;
    case 'MedicationRequest':
      return r.authoredOn;
    case 'MedicationStatement':
      return r.effectivePeriod?.start ?? r.dateAsserted;
    case 'ServiceRequest':
      return r.authoredOn ?? r.occurrenceDateTime;
    case 'DocumentReference':
      return r.date ?? r.content[0]?.attachment.creation;
    case 'DiagnosticReport':
      return r.effectiveDateTime ?? r.issued;
    default:
      return undefined;
  }
}

function authorOf(resource: fhir4.Resource): fhir4.Reference | undefined {
  const r = resource as fhir4.FhirResource;
  switch (r.resourceType) {
    case 'Observation':
    case 'DiagnosticReport':
      return r.performer?.[0];
    case 'Immunization':
      return r.performer?.[0]?.actor;
    case 'AllergyIntolerance':
      return r.recorder ?? r.asserter;
    case 'Condition':
      return r.recorder ?? r.asserter;
    case 'MedicationRequest':
    case 'ServiceRequest':
      return r.requester;
    case 'MedicationStatement':
      return r.informationSource;
    case 'DocumentReference':
      return r.author?.[0];
    default:
      return undefined;
  }
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
      const plan = ((r as fhir4.MedicationStatement).basedOn ?? []).map((b) => ctx.resolve(b)).find((p) => p?.resourceType === 'MedicationRequest');
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
    items.push({ resource, medication, write, ...(encounter ? { encounter } : {}), ...(date ? { date } : {}), ...(author ? { author } : {}) });
  };

  for (const r of resources) {
    if (inside.has(r)) continue;
    const resource = r as fhir4.FhirResource;
    switch (resource.resourceType) {
      case 'Encounter':
        encounters.push(resource);
        break;
      case 'Observation':
        add(resource, (w) => inComponent(w, false, () => writeObservationTree(w, ctx, resource, written)));
        break;
      case 'Immunization':
        add(resource, (w) => inComponent(w, false, () => writeImmunization(w, ctx, resource)));
        break;
      case 'AllergyIntolerance':
        add(resource, (w) => inComponent(w, false, () => writeAllergy(w, ctx, resource)));
        break;
      case 'Condition':
        add(resource, (w) => {
          const { named, linked } = namedStatementOf(ctx, resource);
          let namedId = named ? ctx.xmlId(named) : undefined;
          if (!namedId) inComponent(w, false, () => (namedId = writeProblemObservation(w, ctx, resource)));
          inComponent(w, false, () => writeProblem(w, ctx, resource, namedId!, linked));
        });
        break;
      case 'MedicationRequest':
        if (ORDER_INTENTS.has(resource.intent)) add(resource, (w) => inComponent(w, false, () => writeIssue(w, ctx, resource)), true);
        else add(resource, (w) => inComponent(w, false, () => writeAuthorisation(w, ctx, resource, statementsByPlan.get(resource))), true);
        break;
      case 'MedicationStatement': {
        // A statement without its authorisation still travels as one (GP2GP has no bare medication statement).
        const plan: fhir4.MedicationRequest = {
          resourceType: 'MedicationRequest',
          id: `${resource.id ?? 'statement'}-authorisation`,
          status: resource.status === 'active' ? 'active' : resource.status === 'stopped' ? 'stopped' : 'completed',
          intent: 'plan',
          subject: resource.subject,
          ...(resource.medicationReference ? { medicationReference: resource.medicationReference } : {}),
          ...(resource.medicationCodeableConcept ? { medicationCodeableConcept: resource.medicationCodeableConcept } : {}),
          ...(resource.dateAsserted ? { authoredOn: resource.dateAsserted } : {}),
          ...(resource.meta ? { meta: resource.meta } : {}),
        };
        add(resource, (w) => inComponent(w, false, () => writeAuthorisation(w, ctx, plan, resource)), true);
        break;
      }
      case 'ServiceRequest':
        add(resource, (w) => {
          inComponent(w, false, () => writeServiceRequest(w, ctx, resource));
          const documents = (resource.supportingInfo ?? []).map((s) => ctx.resolve(s)).filter((d): d is fhir4.Resource => d !== undefined);
          if (documents.length > 0 && resource.intent !== 'plan') inComponent(w, false, () => writeReferralLinks(w, ctx, resource, documents));
        });
        break;
      case 'DocumentReference':
        add(resource, (w) => inComponent(w, false, () => writeDocument(w, ctx, resource)));
        break;
      case 'DiagnosticReport':
        add(resource, (w) => inComponent(w, false, () => writeReport(w, ctx, resource, written)));
        break;
      case 'Medication':
        break;
      case 'Specimen':
        ctx.onSkipped(resource, 'orphan-specimen');
        break;
      default:
        ctx.onSkipped(resource, 'unsupported-type');
    }
  }
  return { items, encounters };
}

/** True when any of the resources is confidential (the composition then carries the marker too). */
export function anyConfidential(resources: readonly fhir4.Resource[]): boolean {
  return resources.some((r) => isConfidential(r));
}
