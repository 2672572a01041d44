import type { Resource } from '@lloyd/fhir';

/**
 * Points each document at Lloyd's own copy of it, `Binary/{id}` (the DocumentReference's public id, read with
 * `GET /fhir/Binary/{id}`), in place of the supplier system's address. A supplier's document URL points into the
 * practice's system, which callers must never be sent to: it would bypass Lloyd's access decisions and audit (and
 * in production it is not reachable from outside). The relative address resolves against Lloyd's FHIR base, as
 * FHIR reads an Attachment's relative url. The attachment keeps its title, type, size and date. Returns new
 * objects for the documents and leaves the input untouched (held records are frozen).
 */
export function withLloydDocumentAddresses(resources: readonly Resource[]): Resource[] {
  return resources.map((resource) => {
    if (resource.resourceType !== 'DocumentReference' || !resource.id) return resource;
    const document = resource as fhir4.DocumentReference;
    return {
      ...document,
      content: document.content.map((c, i) => {
        const { url: _url, ...attachment } = c.attachment;
        return { ...c, attachment: i === 0 ? { ...attachment, url: `Binary/${document.id!}` } : attachment };
      }),
    };
  });
}
