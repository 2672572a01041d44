import { EXTENSIONS } from '@lloyd/adapters-core';
import type { Resource } from '@lloyd/fhir';

/** A FHIR date or dateTime as an instant to compare by (a partial date counts as its start). */
const instant = (value: string): number => Date.parse(value.length === 4 ? `${value}-01-01` : value);

/**
 * Gives each MedicationStatement GP Connect's last issue date: the latest `authoredOn` of the issues (MedicationRequest
 * `order`s) based on the authorisation it is based on. Run on what the caller may see, so a withheld issue never shows
 * through. A statement that already carries one (a GP Connect source says so itself) keeps it. Returns new objects
 * for the statements it changes and leaves the input untouched (held records are frozen).
 */
export function withLastIssueDates(resources: readonly Resource[]): Resource[] {
  const lastIssue = new Map<string, string>();
  for (const resource of resources) {
    if (resource.resourceType !== 'MedicationRequest') continue;
    const r = resource as fhir4.MedicationRequest;
    if (r.intent !== 'order' || !r.authoredOn) continue;
    for (const plan of r.basedOn ?? []) {
      const key = plan.reference ?? '';
      const known = lastIssue.get(key);
      if (known === undefined || instant(r.authoredOn) > instant(known)) lastIssue.set(key, r.authoredOn);
    }
  }
  if (lastIssue.size === 0) return [...resources];
  return resources.map((resource) => {
    if (resource.resourceType !== 'MedicationStatement') return resource;
    const r = resource as fhir4.MedicationStatement;
    if (r.extension?.some((e) => e.url === EXTENSIONS.lastIssueDate)) return r;
    const dates = (r.basedOn ?? []).flatMap((plan) => lastIssue.get(plan.reference ?? '') ?? []);
    if (dates.length === 0) return r;
    const latest = dates.reduce((a, b) => (instant(b) > instant(a) ? b : a));
    return { ...r, extension: [...(r.extension ?? []), { url: EXTENSIONS.lastIssueDate, valueDateTime: latest }] };
  });
}
