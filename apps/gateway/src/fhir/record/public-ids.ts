import type { CanonicalRecord } from '@lloyd/adapters-core';
import type { ResourceIdCodec } from '@lloyd/federation';
import type { Resource } from '@lloyd/fhir';

const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/**
 * Gives every resource of a record its public id (see `ResourceIdCodec`) and rewrites the record's internal
 * references to match, so a later read by id routes back to the same practice, patient and supplier item.
 * Returns new objects; the record from the adapter is left untouched.
 */
export function publishIds(
  ids: ResourceIdCodec,
  record: CanonicalRecord,
  ods: string,
  nhsNumber: string,
): CanonicalRecord {
  const made = new Map<string, string>();
  const publicId = (type: string, sourceId: string) => {
    const key = `${type}/${sourceId}`;
    let id = made.get(key);
    if (!id) {
      id = publicIdOf(ids, type, sourceId, ods, nhsNumber);
      made.set(key, id);
    }
    return id;
  };
  const rewrite = <T extends Resource>(resource: T): T => {
    const copy = rewriteReferences(resource, (type, sourceId) => publicId(type, sourceId)) as T;
    if (resource.id) copy.id = publicId(resource.resourceType, resource.id);
    return copy;
  };
  return {
    ...record,
    patient: rewrite(record.patient),
    practice: rewrite(record.practice),
    practitioners: record.practitioners.map(rewrite),
    practitionerRoles: record.practitionerRoles.map(rewrite),
    resources: record.resources.map(rewrite),
  };
}

function publicIdOf(ids: ResourceIdCodec, type: string, sourceId: string, ods: string, nhsNumber: string): string {
  return ids.encode({ ods, nhsNumber, sourceId: type === 'Patient' ? '' : sourceId });
}

/** A record-internal reference (`Type/sourceId`) as {@link publishIds} rewrites it; other references unchanged. */
export function publicReference(ids: ResourceIdCodec, reference: string, ods: string, nhsNumber: string): string {
  const match = RELATIVE_REFERENCE.exec(reference);
  return match ? `${match[1]}/${publicIdOf(ids, match[1]!, match[2]!, ods, nhsNumber)}` : reference;
}

function rewriteReferences(value: unknown, idFor: (type: string, sourceId: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, idFor));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') {
      const match = RELATIVE_REFERENCE.exec(child);
      out[key] = match ? `${match[1]}/${idFor(match[1]!, match[2]!)}` : child;
    } else {
      out[key] = rewriteReferences(child, idFor);
    }
  }
  return out;
}
