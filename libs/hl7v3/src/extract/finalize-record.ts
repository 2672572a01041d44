import { EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { toFhirId } from '../datatypes/identifiers.js';
import type { PracticeDetails } from './agent-directory.js';
import { isDegraded } from '../datatypes/codeable-concept.js';
import { primaryConcept, type ParseContext, type PendingLinkSet } from './parse-context.js';
import { PROBLEM_STATUS, relatedProblemExtension } from './statements/linkset.js';
import { put } from './statement-common.js';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

function referenceTo(resource: fhir4.Resource): fhir4.Reference {
  return { reference: `${resource.resourceType}/${resource.id}` };
}

/**
 * GP2GP says what a LinkSet is by its code: "Active problem" and "Inactive problem" LinkSets are problems, whatever
 * statement they name (a problem may name a plan or a referral). Lloyd, like other senders, links a referral to its
 * letters with a LinkSet coded otherwise ("Unspecified problem") that names the RequestStatement: only that shape is
 * read as links rather than as a problem.
 */
function linksReferral(pending: PendingLinkSet, named: fhir4.Resource | undefined): named is fhir4.ServiceRequest {
  if (pending.statusCode === PROBLEM_STATUS.active || pending.statusCode === PROBLEM_STATUS.inactive) return false;
  return named?.resourceType === 'ServiceRequest' && (named as fhir4.ServiceRequest).intent === 'order';
}

/**
 * Whether the statement a problem names is the problem's own entry, which can be read as the Condition itself: GP2GP
 * systems record a problem as a coded ObservationStatement that the LinkSet names, and a second, separate Observation
 * shows a clinician each problem twice (in the problems and again as uncategorised data). Only a plain observation is
 * taken: one that carries a value or components, or is a result in a report or test group, keeps its own place.
 */
function isProblemEntry(named: fhir4.Resource, results: ReadonlySet<string>): named is fhir4.Observation {
  if (named.resourceType !== 'Observation') return false;
  const observation = named as fhir4.Observation;
  if (results.has(`Observation/${observation.id}`)) return false;
  if (observation.category?.some((c) => c.coding?.some((k) => k.code === 'laboratory'))) return false;
  if (observation.component?.length || observation.hasMember?.length) return false;
  return !Object.keys(observation).some((k) => k.startsWith('value'));
}

/** The Observations that are results of a report or members of a test group (they stay Observations). */
function resultObservations(ctx: ParseContext): Set<string> {
  const refs = new Set<string>();
  for (const r of ctx.resources) {
    const held =
      r.resourceType === 'DiagnosticReport'
        ? (r as fhir4.DiagnosticReport).result
        : r.resourceType === 'Observation'
          ? (r as fhir4.Observation).hasMember
          : undefined;
    for (const ref of held ?? []) if (ref.reference) refs.add(ref.reference);
  }
  return refs;
}

/**
 * The problem takes what its entry said beside the code: where it was recorded (the consultation), when, by whom,
 * its notes and its confidentiality. The entry itself leaves the record (see {@link withoutEntries}).
 */
function foldProblemEntry(ctx: ParseContext, condition: fhir4.Condition, entry: fhir4.Observation): void {
  if (entry.encounter) condition.encounter = { ...entry.encounter };
  if (!condition.onsetDateTime)
    put(condition, 'onsetDateTime', entry.effectiveDateTime ?? entry.effectivePeriod?.start);
  if (!condition.asserter && entry.performer?.[0]) condition.asserter = { ...entry.performer[0] };
  if (entry.note?.length) condition.note = [...(condition.note ?? []), ...structuredClone(entry.note)];
  const security = entry.meta?.security ?? [];
  const missing = security.filter((l) => !condition.meta?.security?.some((m) => m.code === l.code));
  if (missing.length > 0)
    condition.meta = {
      ...condition.meta,
      security: [...(condition.meta?.security ?? []), ...structuredClone(missing)],
    };
  ctx.stats.resources['Observation'] = (ctx.stats.resources['Observation'] ?? 1) - 1;
  if (isDegraded(entry.code)) ctx.stats.degraded--;
}

/** Takes the folded entries out of the record's resources, in one pass. */
function withoutEntries(ctx: ParseContext, entries: ReadonlySet<fhir4.Resource>): void {
  let kept = 0;
  for (const r of ctx.resources) if (!entries.has(r)) ctx.resources[kept++] = r;
  ctx.resources.length = kept;
}

function resolveLinkSets(ctx: ParseContext, foldProblemEntries: boolean): void {
  // Problems may link other problems, so every pending Condition is findable before links are resolved.
  for (const pending of ctx.linkSets) {
    if (pending.sourceId && !ctx.bySourceId.has(pending.sourceId))
      ctx.bySourceId.set(pending.sourceId, pending.condition);
  }
  const isProblem = (p: PendingLinkSet) => !linksReferral(p, p.namedId ? ctx.bySourceId.get(p.namedId) : undefined);
  const problems = new Set<fhir4.Resource>(ctx.linkSets.filter(isProblem).map((p) => p.condition));
  // Each problem's own entry (the statement it names) becomes the problem: links to the entry lead to the problem.
  const entries = new Map<fhir4.Resource, fhir4.Condition>();
  const results = foldProblemEntries && ctx.linkSets.length > 0 ? resultObservations(ctx) : new Set<string>();
  for (const pending of foldProblemEntries ? ctx.linkSets : []) {
    const named = pending.namedId ? ctx.bySourceId.get(pending.namedId) : undefined;
    if (named && isProblem(pending) && !entries.has(named) && isProblemEntry(named, results))
      entries.set(named, pending.condition);
  }
  const children = new Map<fhir4.Condition, fhir4.Condition[]>();
  for (const pending of ctx.linkSets) {
    const named = pending.namedId ? ctx.bySourceId.get(pending.namedId) : undefined;
    if (pending.namedId && !named) ctx.skip('conditionNamed(unresolved)');
    const linked: fhir4.Resource[] = [];
    for (const id of pending.componentIds) {
      const found = ctx.bySourceId.get(id);
      const target = found && (entries.get(found) ?? found);
      if (target && target !== pending.condition && !linked.includes(target)) linked.push(target);
      else if (!target) ctx.skip('statementRef(unresolved)');
    }
    if (linksReferral(pending, named)) {
      // A referral linked to its letters: the documents support the referral; there is no problem.
      const referral = named;
      const existing = new Set((referral.supportingInfo ?? []).map((r) => r.reference));
      const added = linked.map(referenceTo).filter((r) => !existing.has(r.reference));
      if (added.length > 0) referral.supportingInfo = [...(referral.supportingInfo ?? []), ...added];
      ctx.bySourceId.delete(pending.sourceId ?? '');
      continue;
    }
    const condition = pending.condition;
    const recordedIn = condition.encounter?.reference;
    const namedCode = named ? primaryConcept(named) : undefined;
    // The problem is kept; only its code is lost when the statement it names has none (e.g. a medication).
    if (named && !namedCode && !pending.fallbackCode) ctx.skip('conditionNamed(uncoded)');
    condition.code = structuredClone(namedCode ?? pending.fallbackCode ?? { text: 'Problem' });
    const entry = named && entries.has(named);
    if (entry && entries.get(named) === condition) foldProblemEntry(ctx, condition, named as fhir4.Observation);
    else if (!condition.encounter)
      put(condition, 'encounter', (named as { encounter?: fhir4.Reference } | undefined)?.encounter);
    // A statement named as another problem's entry is that problem's, not a link of this one.
    const related = [...(named && !entry && named !== condition ? [named] : []), ...linked.filter((r) => r !== named)];
    // The consultations the problem was recorded in (its entry's, its LinkSet's) are ones it links to, as GP Connect
    // lists a problem's consultations.
    const linkedRefs = new Set(related.map((r) => referenceTo(r).reference));
    const consultations = [...new Set([condition.encounter?.reference, recordedIn])].filter(
      (ref): ref is string => ref !== undefined && !linkedRefs.has(ref),
    );
    // A problem linking another problem's LinkSet is that problem's parent (GP2GP's problem hierarchy).
    const childProblems = related.filter((r): r is fhir4.Condition => problems.has(r));
    if (childProblems.length > 0) children.set(condition, childProblems);
    condition.extension = [
      ...(condition.extension ?? []),
      ...related
        .filter((r) => !problems.has(r))
        .map((r) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference: referenceTo(r) })),
      ...consultations.map((reference) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference: { reference } })),
      ...childProblems.map((r) => relatedProblemExtension('child', referenceTo(r).reference!)),
    ];
    ctx.add(condition);
  }
  if (entries.size > 0) {
    withoutEntries(ctx, new Set(entries.keys()));
    for (const [id, r] of ctx.bySourceId) {
      const problem = entries.get(r);
      if (problem) ctx.bySourceId.set(id, problem);
    }
  }
  for (const [parent, kids] of children) {
    for (const child of kids) {
      child.extension = [
        ...(child.extension ?? []),
        relatedProblemExtension('parent', referenceTo(parent).reference!),
        ...kids.filter((k) => k !== child).map((k) => relatedProblemExtension('sibling', referenceTo(k).reference!)),
      ];
    }
  }
}

function applyDiscontinuations(ctx: ParseContext): void {
  if (ctx.discontinued.size === 0) return;
  const plans = new Map<string, fhir4.MedicationRequest>();
  for (const r of ctx.resources) {
    if (r.resourceType === 'MedicationRequest' && (r as fhir4.MedicationRequest).intent === 'plan')
      plans.set(r.id!, r as fhir4.MedicationRequest);
  }
  const stopped = new Set<string>();
  for (const [rawId, reason] of ctx.discontinued) {
    const plan = plans.get(toFhirId(rawId) ?? '');
    if (!plan) {
      ctx.skip('ehrSupplyDiscontinue(unresolved)');
      continue;
    }
    plan.status = 'stopped';
    if (reason) plan.statusReason = { text: reason };
    stopped.add(`MedicationRequest/${plan.id}`);
  }
  for (const r of ctx.resources) {
    if (r.resourceType !== 'MedicationStatement') continue;
    const statement = r as fhir4.MedicationStatement;
    if ((statement.basedOn ?? []).some((b) => stopped.has(b.reference ?? ''))) statement.status = 'stopped';
  }
}

/**
 * Issues name their authorisation by source id; a reference to an authorisation not in the extract is dropped. An
 * issue takes its authorisation's prescription type and course of therapy unless it carries its own.
 */
function linkIssues(ctx: ParseContext): void {
  const requests = new Map<string, fhir4.MedicationRequest>();
  for (const r of ctx.resources) {
    if (r.resourceType === 'MedicationRequest') requests.set(`MedicationRequest/${r.id}`, r as fhir4.MedicationRequest);
  }
  for (const request of requests.values()) {
    if (!request.basedOn) continue;
    const kept = request.basedOn
      .map((b) => ({
        reference: `MedicationRequest/${toFhirId(b.reference?.slice('MedicationRequest/'.length)) ?? ''}`,
      }))
      .filter((b) => requests.has(b.reference));
    if (kept.length < request.basedOn.length)
      ctx.skip('inFulfillmentOf(unresolved)', request.basedOn.length - kept.length);
    if (kept.length === 0) {
      delete request.basedOn;
      continue;
    }
    request.basedOn = kept;
    const plan = requests.get(kept[0]!.reference)!;
    const type = plan.extension?.find((e) => e.url === EXTENSIONS.prescriptionType);
    if (type && !request.extension?.some((e) => e.url === EXTENSIONS.prescriptionType)) {
      request.extension = [...(request.extension ?? []), structuredClone(type)];
    }
    if (plan.courseOfTherapyType && !request.courseOfTherapyType) {
      request.courseOfTherapyType = structuredClone(plan.courseOfTherapyType);
    }
  }
}

export interface ExtractParties {
  nhsNumber?: string;
  practice: PracticeDetails;
}

export interface FinalizeOptions {
  /**
   * A problem's own entry (the plain ObservationStatement its LinkSet names) becomes the Condition, rather than an
   * Observation beside it: what a record view wants, so that no problem shows twice. Without it the entry is kept (as
   * the NHS receiving adaptor keeps it), as a GP2GP transfer or a round trip needs.
   */
  foldProblemEntries?: boolean;
}

/** Resolves the links that may cross compositions and assembles the canonical record. */
export function finalizeRecord(
  ctx: ParseContext,
  parties: ExtractParties,
  options: FinalizeOptions = {},
): CanonicalRecord {
  resolveLinkSets(ctx, options.foldProblemEntries ?? false);
  applyDiscontinuations(ctx);
  linkIssues(ctx);
  const patient: fhir4.Patient = { resourceType: 'Patient', id: ctx.patientId };
  if (parties.nhsNumber) patient.identifier = [{ system: NHS_NUMBER_SYSTEM, value: parties.nhsNumber }];
  const practice: fhir4.Organization = { resourceType: 'Organization', id: ctx.practiceId };
  if (ctx.practiceOds) practice.identifier = [{ system: ODS_SYSTEM, value: ctx.practiceOds }];
  put(practice, 'name', parties.practice.name ?? (ctx.practiceOds ? undefined : 'Unknown practice'));
  put(practice, 'telecom', parties.practice.telecom);
  put(practice, 'address', parties.practice.address);
  return {
    patient,
    practice,
    practitioners: ctx.practitioners,
    practitionerRoles: ctx.practitionerRoles,
    resources: ctx.resources,
  };
}
