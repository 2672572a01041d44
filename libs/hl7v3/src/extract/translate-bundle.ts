import { LLOYD_FHIR_BASE, type CanonicalRecord } from '@lloyd/adapters-core';
import { collectionBundle } from '@lloyd/fhir';
import type { XmlSource } from '../xml/xml-source.js';
import { parseEhrExtract, type ParseEhrExtractOptions } from './parse-ehr-extract.js';

/** A canonical record as an R4 `collection` Bundle: patient, practice, practitioners and roles, then the items. */
export function recordToBundle(record: CanonicalRecord, baseUrl = `${LLOYD_FHIR_BASE}/fhir`): fhir4.Bundle {
  return collectionBundle(
    [record.patient, record.practice, ...record.practitioners, ...record.practitionerRoles, ...record.resources],
    baseUrl,
  );
}

/** Parses an EHR extract and returns it as an R4 collection Bundle (used by `npm run translate`). */
export async function translateExtractToBundle(
  source: XmlSource,
  options?: ParseEhrExtractOptions,
): Promise<fhir4.Bundle> {
  const { record } = await parseEhrExtract(source, options);
  return recordToBundle(record);
}
