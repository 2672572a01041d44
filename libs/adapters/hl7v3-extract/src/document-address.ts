/** Where the system serves a document's content, by its id (`GET /documents/{id}`). */
export const DOCUMENTS_PATH = 'documents/';

/**
 * The system's id for a document of its extract: the last segment of the address the extract gives it (GP2GP's
 * attachment reference), decoded. Undefined when there is no address or its last segment is not valid
 * percent-encoding. Only the system's own document endpoint is ever read with it, whatever host the address names.
 */
export function extractDocumentId(document: fhir4.DocumentReference): string | undefined {
  const segment = document.content[0]?.attachment.url?.replace(/^.*\//, '');
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment) || undefined;
  } catch {
    return undefined;
  }
}
