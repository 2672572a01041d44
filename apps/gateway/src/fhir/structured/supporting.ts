import type { Resource } from '@lloyd/fhir';
import { onOrAfter } from './dates.js';

/** Finds a record's resources: all of a type, or one by its reference. */
export interface Lookup {
  ofType: <T extends Resource>(type: T['resourceType']) => T[];
  resolve: (ref: string | undefined) => Resource | undefined;
}

export interface MedicationOptions {
  /** Issues authored before this date are left out. */
  from?: string | undefined;
  /** Prescription issues (MedicationRequest `order`) are returned (GP Connect's includePrescriptionIssues). */
  includeIssues: boolean;
}

/**
 * What medication statements need beside them: their authorisations (MedicationRequest `plan`), the issues of those
 * authorisations (MedicationRequest `order`, when asked for) and every Medication these name, each once.
 */
export function medicationSupport(
  statements: readonly fhir4.MedicationStatement[],
  { ofType, resolve }: Lookup,
  { from, includeIssues }: MedicationOptions,
): Resource[] {
  const plans = new Set<Resource>();
  for (const s of statements)
    for (const b of s.basedOn ?? []) {
      const r = resolve(b.reference);
      if (r) plans.add(r);
    }
  const orders = includeIssues
    ? ofType<fhir4.MedicationRequest>('MedicationRequest').filter(
        (r) =>
          r.intent === 'order' &&
          onOrAfter(r.authoredOn, from) &&
          (r.basedOn ?? []).some((b) => plans.has(resolve(b.reference)!)),
      )
    : [];
  const medications = new Set<Resource>();
  for (const r of [...statements, ...plans, ...orders] as (fhir4.MedicationStatement | fhir4.MedicationRequest)[]) {
    const m = resolve(r.medicationReference?.reference);
    if (m) medications.add(m);
  }
  return [...plans, ...orders, ...medications];
}

/** What diagnostic reports need beside them: their results (test groups' members too) and specimens, each once. */
export function reportSupport(reports: readonly fhir4.DiagnosticReport[], { resolve }: Lookup): Resource[] {
  const supporting = new Set<Resource>();
  for (const d of reports) {
    for (const r of reportResults(d, resolve)) supporting.add(r);
    for (const ref of d.specimen ?? []) {
      const r = resolve(ref.reference);
      if (r) supporting.add(r);
    }
  }
  return [...supporting];
}

/**
 * A report's results, including the members of test groups at any depth (report → test group → its results, as
 * GP systems file pathology), each once.
 */
export function reportResults(report: fhir4.DiagnosticReport, resolve: Lookup['resolve']): Resource[] {
  const found = new Set<Resource>();
  const visit = (refs: readonly fhir4.Reference[] | undefined) => {
    for (const ref of refs ?? []) {
      const r = resolve(ref.reference);
      if (!r || found.has(r)) continue;
      found.add(r);
      if (r.resourceType === 'Observation') visit((r as fhir4.Observation).hasMember);
    }
  };
  visit(report.result);
  return [...found];
}

/** An allergy that has ended (resolved or inactive): GP Connect lists it under "Ended allergies". */
export function isEndedAllergy(allergy: fhir4.AllergyIntolerance): boolean {
  return allergy.clinicalStatus?.coding?.some((c) => c.code === 'resolved' || c.code === 'inactive') ?? false;
}
