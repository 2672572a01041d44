import { createHash } from 'node:crypto';

const FHIR_ID_INVALID = /[^A-Za-z0-9\-.]+/g;
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const RUID = /^[A-Za-z][A-Za-z0-9-]*$/;
const OID = /^[0-9]+(\.[0-9]+)*$/;

/** A name-based UUID (SHA-1, version 5 layout, upper case as HL7 wants) that is stable for the same seed. */
export function derivedUuid(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
}

/**
 * A source identifier made into a FHIR id (`[A-Za-z0-9\-.]{1,64}`): other characters become `-`, and an over-long
 * id keeps its start plus a hash so it stays unique. Undefined for an empty identifier.
 */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function toFhirId(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (FHIR_ID.test(raw) && !raw.startsWith('-') && !raw.endsWith('-')) return raw;
  let id = raw
    .trim()
    .replace(FHIR_ID_INVALID, '-')
    .replace(/^-+|-+$/g, '');
  if (id === '') return undefined;
  if (id.length > 64) id = `${id.slice(0, 40)}-${createHash('sha1').update(raw).digest('hex').slice(0, 23)}`;
  return id;
}

/**
 * The HL7 `II.root` for a FHIR id. HL7 roots must be a UUID (upper case), an OID or a letter-led "ruid"; ids that
 * are none of these are replaced by a stable name-based UUID, so references built from the same id still match.
 */
export function toXmlId(id: string): string {
  if (UUID.test(id)) return id.toUpperCase();
  if (RUID.test(id) || OID.test(id)) return id;
  return derivedUuid(`lloyd-id:${id}`);
}
