import { createCipheriv, createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Where a resource came from: the practice, the patient's record, and the supplier's own id ('' for the patient). */
export interface ResourceRef {
  ods: string;
  nhsNumber: string;
  sourceId: string;
}

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

/** The first byte of every id: the format (packed reference, sealed with a 12-byte synthetic IV). */
const FORMAT = 2;
const TAG_BYTES = 12;
/** Largest id in bytes: 64 base64url characters. */
const MAX_BYTES = (MAX_ID / 4) * 3;
/** Largest packed reference that fits after the format byte and the tag. */
const MAX_PACKED = MAX_BYTES - 1 - TAG_BYTES;

/**
 * Opaque, stable FHIR ids that carry enough to route a later read back to its source: practice ODS code, NHS number
 * and the supplier's id, packed into bytes and sealed with a key, so that an id reveals nothing (no NHS number in a
 * URL, a log line or a browser history) and cannot be made up or edited by a client.
 *
 * Sealing is deterministic authenticated encryption in the SIV style (RFC 5297's construction, with HMAC-SHA-256 as
 * the PRF and AES-256-CTR, both from node:crypto, keys derived from one secret with HKDF): the synthetic IV is a MAC
 * of the packed reference, so the same source always gets the same id, and an id that was not made with the key
 * fails its check on the way in. The id is `format byte ‖ 12-byte tag ‖ ciphertext`, base64url-encoded with `_`
 * written as `.`, which stays within FHIR's id alphabet and its 64 characters. Ids are still not permissions: every
 * read passes the access chain.
 */
export class ResourceIdCodec {
  private keys: { encryption: Buffer; mac: Buffer };

  /** @param secret at least 32 bytes of key material; ids made under one secret do not open under another. */
  constructor(secret: Buffer) {
    this.keys = derive(secret);
  }

  /**
   * Seals ids with another secret from now on: ids made before no longer open. For a key kept in a shared store
   * that another replica replaced (the store was emptied), so that every replica again makes the same ids.
   */
  rekey(secret: Buffer): void {
    this.keys = derive(secret);
  }

  /** The public id of a source reference. */
  encode(ref: ResourceRef): string {
    return this.seal(packReference(ref));
  }

  /** Opens an id made by {@link encode} under the same key; null for anything else (treated as "not found"). */
  decode(id: string): (ResourceRef & { digest?: boolean }) | null {
    if (!FHIR_ID.test(id)) return null;
    const bytes = Buffer.from(id.replace(/\./g, '_'), 'base64url');
    // Only the exact text made is accepted: re-encoding must give it back (base64url ignores a last character's
    // spare bits, which would otherwise let several spellings open to one id).
    if (bytes.length < 1 + TAG_BYTES + 1 || bytes[0] !== FORMAT || toId(bytes) !== id) return null;
    const tag = bytes.subarray(1, 1 + TAG_BYTES);
    const packed = this.cipher(tag).update(bytes.subarray(1 + TAG_BYTES));
    if (!timingSafeEqual(this.tagOf(packed), tag)) return null;
    return unpackReference(packed);
  }

  private seal(packed: Buffer): string {
    const tag = this.tagOf(packed);
    return toId(Buffer.concat([Buffer.from([FORMAT]), tag, this.cipher(tag).update(packed)]));
  }

  private tagOf(packed: Buffer): Buffer {
    return createHmac('sha256', this.keys.mac)
      .update(Buffer.from([FORMAT]))
      .update(packed)
      .digest()
      .subarray(0, TAG_BYTES);
  }

  /** AES-256-CTR from the tag (the counter block is the tag followed by a 32-bit counter from 0). */
  private cipher(tag: Buffer) {
    return createCipheriv('aes-256-ctr', this.keys.encryption, Buffer.concat([tag, Buffer.alloc(16 - TAG_BYTES)]));
  }
}

function derive(secret: Buffer): { encryption: Buffer; mac: Buffer } {
  if (secret.length < 32) throw new Error('A resource id key needs at least 32 bytes');
  return {
    encryption: Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'lloyd resource ids: encryption', 32)),
    mac: Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'lloyd resource ids: integrity', 32)),
  };
}

/** The reference as bytes: ODS code, NHS number (40 bits), the kind of supplier id and the id itself. */
function packReference(ref: ResourceRef): Buffer {
  const ods = Buffer.from(ref.ods, 'ascii');
  const head = Buffer.alloc(1 + ods.length + 5);
  head[0] = ods.length;
  ods.copy(head, 1);
  head.writeUIntBE(Number(ref.nhsNumber), 1 + ods.length, 5);
  const packed = (kind: Kind, body: Buffer) => Buffer.concat([head, Buffer.from([kind]), body]);
  if (!ref.sourceId) return packed(Kind.Patient, Buffer.alloc(0));
  if (GUID.test(ref.sourceId)) return packed(Kind.Guid, Buffer.from(ref.sourceId.replace(/-/g, ''), 'hex'));
  const text = packed(Kind.Text, Buffer.from(ref.sourceId, 'utf8'));
  return text.length <= MAX_PACKED ? text : packed(Kind.Digest, digest(ref.sourceId));
}

function unpackReference(bytes: Buffer): (ResourceRef & { digest?: boolean }) | null {
  const odsLength = bytes[0]!;
  if (odsLength < 3 || odsLength > 10 || bytes.length < 1 + odsLength + 6) return null;
  const ods = bytes.subarray(1, 1 + odsLength).toString('ascii');
  if (!/^[A-Z0-9]+$/.test(ods)) return null;
  const nhsNumber = String(bytes.readUIntBE(1 + odsLength, 5)).padStart(10, '0');
  const kind = bytes[1 + odsLength + 5] ?? -1;
  const body = bytes.subarray(1 + odsLength + 6);
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
