import { createHash } from 'node:crypto';

/** Where a resource came from: the practice, the patient's record, and the supplier's own id ('' for the patient). */
export interface ResourceRef {
  ods: string;
  nhsNumber: string;
  sourceId: string;
}

const VERSION = 1;
const Kind = {
  Patient: 0,
  Guid: 1,
  Text: 2,
  /** Source ids too long to carry: a digest, resolved by matching against the record's ids. */
  Digest: 3,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ID = 64;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Opaque, stable FHIR ids that carry enough to route a later read back to its source: practice ODS code, NHS number
 * and the supplier's id, packed into bytes and base64url-encoded (`_` written as `.` to stay within FHIR's id
 * alphabet). Ids are not secrets; every read still passes the access chain.
 */
export function encodeResourceId(ref: ResourceRef): string {
  const ods = Buffer.from(ref.ods, 'ascii');
  const head = Buffer.alloc(2 + ods.length + 5);
  head[0] = VERSION;
  head[1] = ods.length;
  ods.copy(head, 2);
  head.writeUIntBE(Number(ref.nhsNumber), 2 + ods.length, 5);
  const id = (kind: Kind, body: Buffer) => toId(Buffer.concat([head, Buffer.from([kind]), body]));
  if (!ref.sourceId) return id(Kind.Patient, Buffer.alloc(0));
  if (GUID.test(ref.sourceId)) return id(Kind.Guid, Buffer.from(ref.sourceId.replace(/-/g, ''), 'hex'));
  const text = id(Kind.Text, Buffer.from(ref.sourceId, 'utf8'));
  return text.length <= MAX_ID ? text : id(Kind.Digest, digest(ref.sourceId));
}

/** Decodes an id made by {@link encodeResourceId}; null for anything else (treated as "not found"). */
export function decodeResourceId(id: string): (ResourceRef & { digest?: boolean }) | null {
  if (!FHIR_ID.test(id)) return null;
  const bytes = Buffer.from(id.replace(/\./g, '_'), 'base64url');
  if (bytes.length < 9 || bytes[0] !== VERSION) return null;
  const odsLength = bytes[1]!;
  if (odsLength < 3 || odsLength > 10 || bytes.length < 2 + odsLength + 6) return null;
  const ods = bytes.subarray(2, 2 + odsLength).toString('ascii');
  if (!/^[A-Z0-9]+$/.test(ods)) return null;
  const nhsNumber = String(bytes.readUIntBE(2 + odsLength, 5)).padStart(10, '0');
  const kind = bytes[2 + odsLength + 5] ?? -1;
  const body = bytes.subarray(2 + odsLength + 6);
  switch (kind) {
    case Kind.Patient:
      return body.length === 0 ? { ods, nhsNumber, sourceId: '' } : null;
    case Kind.Guid: {
      if (body.length !== 16) return null;
      const hex = body.toString('hex');
      return {
        ods,
        nhsNumber,
        sourceId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      };
    }
    case Kind.Text:
      return body.length > 0 ? { ods, nhsNumber, sourceId: body.toString('utf8') } : null;
    case Kind.Digest:
      return body.length === 12 ? { ods, nhsNumber, sourceId: body.toString('hex'), digest: true } : null;
    default:
      return null;
  }
}

/** Whether a supplier id matches a decoded reference (digests compare by hash). */
export function matchesSourceId(ref: ResourceRef & { digest?: boolean }, sourceId: string): boolean {
  if (ref.digest) return digest(sourceId).toString('hex') === ref.sourceId;
  return ref.sourceId.toLowerCase() === sourceId.toLowerCase() && (GUID.test(sourceId) || ref.sourceId === sourceId);
}

function digest(sourceId: string): Buffer {
  return createHash('sha256').update(sourceId).digest().subarray(0, 12);
}

function toId(bytes: Buffer): string {
  return bytes.toString('base64url').replace(/_/g, '.');
}
