import { createHash } from 'node:crypto';
import type { AuditEvent, Extension } from '@lloyd/fhir';

/** The extension carrying an event's place in the tamper-evident chain: sequence, previousHash and hash. */
export const AUDIT_CHAIN_EXTENSION = 'https://fhir.lloyd.nhs.example/StructureDefinition/audit-chain';
/** The previous hash of event 1. */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainLink {
  sequence: number;
  previousHash: string;
  hash: string;
}

/** Keys as written in canonical JSON (`"key":`): the same few dozen keys recur in every event. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** JSON with object keys sorted at every level, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  // Written as loops over one string: this runs for every audited request, and the map/filter/join form allocated
  // several arrays per object.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i] ?? null);
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  // Default sort order is by UTF-16 code units, the same as comparing with < and >.
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += quotedKey(key) + (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v));
  }
  return `${out}}`;
}

/** The event as hashed: everything, including its sequence and previous hash, except the hash itself. */
function withoutHash(event: AuditEvent): AuditEvent {
  return {
    ...event,
    extension: (event.extension ?? []).map((ext) =>
      ext.url === AUDIT_CHAIN_EXTENSION
        ? { ...ext, extension: (ext.extension ?? []).filter((e) => e.url !== 'hash') }
        : ext,
    ),
  };
}

/** `sha256(previousHash + canonical JSON of the event without its hash)`, hex. */
export function hashEvent(event: AuditEvent, previousHash: string): string {
  return createHash('sha256')
    .update(previousHash)
    .update(canonicalJson(withoutHash(event)))
    .digest('hex');
}

/** Places the event at `sequence` after `previousHash`, and seals it with its hash. */
export function sealEvent(event: AuditEvent, sequence: number, previousHash: string): AuditEvent {
  const parts: Extension[] = [
    { url: 'sequence', valueInteger: sequence },
    { url: 'previousHash', valueString: previousHash },
  ];
  const chain: Extension = { url: AUDIT_CHAIN_EXTENSION, extension: parts };
  const unsealed: AuditEvent = {
    ...event,
    extension: [...(event.extension ?? []).filter((e) => e.url !== AUDIT_CHAIN_EXTENSION), chain],
  };
  const hash = hashEvent(unsealed, previousHash);
  parts.push({ url: 'hash', valueString: hash });
  return unsealed;
}

/** The event's chain link, or undefined when it has none (or a malformed one). */
export function chainLink(event: AuditEvent): ChainLink | undefined {
  const chain = event.extension?.find((e) => e.url === AUDIT_CHAIN_EXTENSION)?.extension ?? [];
  const sequence = chain.find((e) => e.url === 'sequence')?.valueInteger;
  const previousHash = chain.find((e) => e.url === 'previousHash')?.valueString;
  const hash = chain.find((e) => e.url === 'hash')?.valueString;
  if (typeof sequence !== 'number' || typeof previousHash !== 'string' || typeof hash !== 'string') return undefined;
  return { sequence, previousHash, hash };
}
