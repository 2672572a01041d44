import { spineIssue, type OperationOutcomeIssue, type Resource } from '@lloyd/fhir';

type ReferencesOf = (resource: Resource) => (fhir4.Reference | undefined)[];

const field =
  (...names: string[]): ReferencesOf =>
  (resource) =>
    names.flatMap((name) => {
      const value = (resource as unknown as Record<string, fhir4.Reference | fhir4.Reference[] | undefined>)[name];
      return Array.isArray(value) ? value : [value];
    });

/** The `_include` parameters Lloyd supports: `<source type>:<search parameter>` → the references it follows. */
const SUPPORTED: Record<string, ReferencesOf> = {
  patient: field('patient', 'subject'),
  subject: field('subject', 'patient'),
  encounter: field('encounter', 'context'),
  medication: field('medicationReference'),
  result: field('result'),
  specimen: field('specimen'),
  'based-on': field('basedOn'),
  performer: field('performer', 'recorder', 'asserter', 'requester'),
};

/** The search parameters `_include` can follow, for the CapabilityStatement. */
export const SUPPORTED_INCLUDES = Object.keys(SUPPORTED);

export interface IncludeResult {
  included: Resource[];
  warnings: OperationOutcomeIssue[];
}

/**
 * Resolves `_include` for a page of matches against the record the caller may already see, so an include can never
 * reach a resource (or patient) outside the caller's access-filtered view. At most `max` resources are included.
 */
export function resolveIncludes(
  type: string,
  includes: readonly string[],
  matches: readonly Resource[],
  record: readonly Resource[],
  max: number,
): IncludeResult {
  const warnings: OperationOutcomeIssue[] = [];
  const byRef = new Map(record.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
  const seen = new Set(matches.map((m) => `${m.resourceType}/${m.id ?? ''}`));
  const included: Resource[] = [];
  let capped = false;
  for (const include of includes) {
    const [source, param, target] = include.split(':');
    const follow = param ? SUPPORTED[param] : undefined;
    if ((source !== type && source !== '*') || !follow) {
      warnings.push(
        spineIssue(
          'INVALID_PARAMETER',
          `_include=${include} is not supported here and was ignored. Supported: ${type}:${Object.keys(SUPPORTED).join(`, ${type}:`)}.`,
          {
            severity: 'warning',
            expression: ['_include'],
          },
        ),
      );
      continue;
    }
    for (const match of matches) {
      for (const ref of follow(match)) {
        const key = ref?.reference;
        const resource = key ? byRef.get(key) : undefined;
        if (!resource || seen.has(key!) || (target && resource.resourceType !== target)) continue;
        if (included.length >= max) {
          capped = true;
          continue;
        }
        seen.add(key!);
        included.push(resource);
      }
    }
  }
  if (capped) {
    warnings.push(
      spineIssue('INVALID_PARAMETER', `_include was capped at ${max} resources; read the others by id.`, {
        severity: 'warning',
        expression: ['_include'],
      }),
    );
  }
  return { included, warnings };
}
