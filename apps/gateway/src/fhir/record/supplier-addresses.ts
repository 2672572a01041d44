import type { Resource } from '@lloyd/fhir';

/**
 * Removes the supplier system's own addresses from document attachments. A supplier's document URL points into the
 * practice's system, which callers must never be sent to: it would bypass Lloyd's access decisions and audit (and in
 * production it is not reachable from outside). The attachment keeps its title, type, size and date. Returns new
 * objects for the documents it changes and leaves the input untouched (held records are frozen).
 */
export function withoutSupplierAddresses(resources: readonly Resource[]): Resource[] {
  return resources.map((resource) => {
    if (resource.resourceType !== 'DocumentReference') return resource;
    const document = resource as fhir4.DocumentReference;
    if (!document.content.some((c) => c.attachment.url !== undefined)) return resource;
    return {
      ...document,
      content: document.content.map((c) => {
        if (c.attachment.url === undefined) return c;
        const { url: _url, ...attachment } = c.attachment;
        return { ...c, attachment };
      }),
    };
  });
}
