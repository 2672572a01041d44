import type { Bundle, BundleEntry, OperationOutcome, Resource } from './r4.js';

export interface SearchsetOptions {
  /** Absolute base URL of the FHIR endpoint, e.g. `http://127.0.0.1:8080/fhir`. */
  baseUrl: string;
  /** The search's own URL, for the `self` link. */
  selfUrl: string;
  nextUrl?: string;
  total?: number;
  /** Warnings about the search, included as an entry with `search.mode=outcome`. */
  outcome?: OperationOutcome;
  /** Resources added by `_include`, as entries with `search.mode=include`. */
  includes?: readonly Resource[];
}

export function fullUrl(baseUrl: string, resource: Resource): string {
  return `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}`;
}

/** Builds a FHIR `searchset` Bundle with matches, an optional outcome entry and paging links. */
export function searchsetBundle<T extends Resource>(matches: readonly T[], options: SearchsetOptions): Bundle {
  const entry: BundleEntry[] = matches.map((resource) => ({
    fullUrl: fullUrl(options.baseUrl, resource),
    resource,
    search: { mode: 'match' },
  }));
  for (const resource of options.includes ?? []) {
    entry.push({ fullUrl: fullUrl(options.baseUrl, resource), resource, search: { mode: 'include' } });
  }
  if (options.outcome && options.outcome.issue.length > 0) {
    entry.push({ resource: options.outcome, search: { mode: 'outcome' } });
  }
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: options.selfUrl }];
  if (options.nextUrl) link.push({ relation: 'next', url: options.nextUrl });
  return {
    resourceType: 'Bundle',
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
    total: options.total ?? matches.length,
    link,
    entry,
  };
}

/** Builds a `collection` Bundle, dropping duplicate resources (same type and id). */
export function collectionBundle(resources: readonly Resource[], baseUrl: string): Bundle {
  const seen = new Set<string>();
  const entry: BundleEntry[] = [];
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (resource.id && seen.has(key)) continue;
    seen.add(key);
    entry.push({ fullUrl: fullUrl(baseUrl, resource), resource });
  }
  return { resourceType: 'Bundle', meta: { lastUpdated: new Date().toISOString() }, type: 'collection', entry };
}
