import { createHash } from 'node:crypto';
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

/** The namespace of {@link bundleLocalId}'s name-based UUIDs (random, fixed: Lloyd's own). */
const LOCAL_ID_NAMESPACE = Buffer.from('636d2f01d441414dbc55b03396087c21', 'hex');

/**
 * A deterministic UUID (RFC 9562 version 5: SHA-1, name-based) for a resource that lives only in a Bundle and is not
 * served by id, such as a structured record's List or OperationOutcome. The same parts always give the same id, and
 * different parts (another patient, another list) give another, so a client that keeps entries by `fullUrl`
 * (`urn:uuid:<id>`, as FHIR asks of resources without a server address) never merges two patients' Lists.
 */
export function bundleLocalId(...parts: readonly string[]): string {
  const hash = createHash('sha1').update(LOCAL_ID_NAMESPACE).update(JSON.stringify(parts)).digest().subarray(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface CollectionOptions {
  /**
   * Resource types this Bundle holds that the server does not serve by id: their entries' `fullUrl` is
   * `urn:uuid:<id>` (so their ids must be UUIDs, see {@link bundleLocalId}) rather than a server address that would
   * not resolve.
   */
  localTypes?: ReadonlySet<string>;
}

/** Builds a `collection` Bundle, dropping duplicate resources (same type and id). */
export function collectionBundle(
  resources: readonly Resource[],
  baseUrl: string,
  { localTypes }: CollectionOptions = {},
): Bundle {
  const seen = new Set<string>();
  const entry: BundleEntry[] = [];
  for (const resource of resources) {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (resource.id && seen.has(key)) continue;
    seen.add(key);
    const local = localTypes?.has(resource.resourceType) && resource.id;
    entry.push({ fullUrl: local ? `urn:uuid:${resource.id}` : fullUrl(baseUrl, resource), resource });
  }
  return { resourceType: 'Bundle', meta: { lastUpdated: new Date().toISOString() }, type: 'collection', entry };
}
