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

/** An event placed in the chain: the event itself and the exact text the store keeps for it. */
export interface SealedEvent {
  event: AuditEvent;
  stored: string;
  hash: string;
}

/**
 * How the stored text ends: the chain extension is the event's last member and its parts are the extension's last
 * member, so the text closes the parts, the chain extension, the extension array and the event, in that order.
 */
const CLOSING = ']}]}';
const hashPart = (hash: string): string => `,{"url":"hash","valueString":"${hash}"}`;

function sha256(previousHash: string, text: string): string {
  return createHash('sha256').update(previousHash).update(text).digest('hex');
}

/**
 * Places the event at `sequence` after `previousHash` and seals it.
 *
 * The hash covers the exact bytes the store keeps, never a re-serialisation: the event is written as JSON with its
 * chain extension (sequence, previousHash) last, hashed as `sha256(previousHash + text)`, and stored as that text
 * with `{"url":"hash","valueString":…}` added as the chain extension's last part. {@link hashOfStored} takes that
 * part off again to check the hash.
 */
export function sealEvent(event: AuditEvent, sequence: number, previousHash: string): SealedEvent {
  const { extension = [], ...rest } = event;
  const parts: Extension[] = [
    { url: 'sequence', valueInteger: sequence },
    { url: 'previousHash', valueString: previousHash },
  ];
  // `extension` is added last, and the chain last within it, so the text ends with the chain's parts.
  const sealed: AuditEvent = {
    ...rest,
    extension: [
      ...extension.filter((e) => e.url !== AUDIT_CHAIN_EXTENSION),
      { url: AUDIT_CHAIN_EXTENSION, extension: parts },
    ],
  };
  // One JSON.stringify: V8 writes the whole event as one flat string, which the check, the hash and the store use.
  const text = JSON.stringify(sealed);
  if (!text.endsWith(`"}${CLOSING}`)) throw new Error('An audit event must end with its chain extension');
  const hash = sha256(previousHash, text);
  parts.push({ url: 'hash', valueString: hash });
  return { event: sealed, stored: text.slice(0, -CLOSING.length) + hashPart(hash) + CLOSING, hash };
}

/**
 * The hash of a stored event's text (without its hash part) after `previousHash`, or undefined when the text does not
 * end with the hash part `link` names, as every sealed event does.
 */
export function hashOfStored(stored: string, link: ChainLink): string | undefined {
  const ending = hashPart(link.hash) + CLOSING;
  if (!stored.endsWith(ending)) return undefined;
  return sha256(link.previousHash, stored.slice(0, -ending.length) + CLOSING);
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

/**
 * Checks one stored event at `seq` after `previousHash`: resolves to its hash when its content, place and link hold,
 * or to the reason they do not (for verification of the store and of archive files alike).
 */
export function checkStoredEvent(
  raw: string,
  seq: number,
  previousHash: string,
): { hash: string; event: AuditEvent } | string {
  let event: AuditEvent;
  try {
    event = JSON.parse(raw) as AuditEvent;
  } catch {
    return `event ${seq} is not valid JSON: it was altered after it was written`;
  }
  const link = event?.resourceType === 'AuditEvent' ? chainLink(event) : undefined;
  if (!link) return `event ${seq} has no audit-chain extension (sequence, previousHash, hash)`;
  if (link.sequence !== seq)
    return `event stored as ${seq} says it is event ${link.sequence}: it was moved or replaced`;
  if (link.previousHash !== previousHash) {
    return `event ${seq} does not link to event ${seq - 1}: its previousHash differs from that event's hash`;
  }
  if (hashOfStored(raw, link) !== link.hash) {
    return `event ${seq} does not match its hash: its content was altered after it was written`;
  }
  return { hash: link.hash, event };
}
