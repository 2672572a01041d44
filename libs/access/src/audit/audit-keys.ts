import type { KeyValueStore } from '@lloyd/store';
import { GENESIS_HASH } from './hash-chain.js';

/** The newest sealed event as far as the writers know: `{ seq, hash }` (absent: the chain is empty). */
export const AUDIT_HEAD_KEY = 'audit:head';
/**
 * Where the stored chain starts: the last event moved out to an archive file, `{ seq, hash, from, pruned, archivedAt }`
 * (absent: nothing archived, the chain starts at event 1).
 */
export const AUDIT_CHECKPOINT_KEY = 'audit:checkpoint';
export const AUDIT_INDEX_PREFIX = 'audit:index:';
export const auditEventKey = (seq: number): string => `audit:event:${seq}`;
export const patientIndexKey = (nhsNumber: string): string => `${AUDIT_INDEX_PREFIX}patient:${nhsNumber}`;
export const organisationIndexKey = (ods: string): string => `${AUDIT_INDEX_PREFIX}organisation:${ods}`;
export const practiceIndexKey = (ods: string): string => `${AUDIT_INDEX_PREFIX}practice:${ods}`;

export interface Head {
  seq: number;
  hash: string;
}

/** The archived start of the chain: events `from..seq` went to the latest archive, and every event up to `seq`. */
export interface Checkpoint extends Head {
  /** The first event of the latest archive run. */
  from: number;
  /** Whether that run has removed its events and their index entries from the store. */
  pruned: boolean;
  archivedAt: string;
}

export const NO_CHECKPOINT: Checkpoint = { seq: 0, hash: GENESIS_HASH, from: 1, pruned: true, archivedAt: '' };

/**
 * The chain's head or archive checkpoint in the store is not what Lloyd wrote there: it was altered (or the store
 * damaged), so neither the chain's end nor its start can be trusted until it is restored.
 */
export class MalformedAuditKeyError extends Error {
  constructor(
    readonly key: string,
    what: string,
  ) {
    super(
      `the audit chain's ${what} (${key}) is not as Lloyd writes it: it was altered or damaged. ` +
        `Restore ${key} from a backup of the store, then run audit:verify again.`,
    );
    this.name = 'MalformedAuditKeyError';
  }
}

/** Parses a stored head or checkpoint as a JSON object, or says which key is malformed. */
function parseKey<T>(raw: string, key: string, what: string): Partial<T> {
  let value: Partial<T> | null;
  try {
    value = JSON.parse(raw) as Partial<T> | null;
  } catch {
    throw new MalformedAuditKeyError(key, what);
  }
  if (typeof value !== 'object' || value === null) throw new MalformedAuditKeyError(key, what);
  return value;
}

export function parseHead(raw: string | null): Head {
  if (raw === null) return { seq: 0, hash: GENESIS_HASH };
  const head = parseKey<Head>(raw, AUDIT_HEAD_KEY, 'head');
  if (typeof head.seq !== 'number' || typeof head.hash !== 'string') {
    throw new MalformedAuditKeyError(AUDIT_HEAD_KEY, 'head');
  }
  return { seq: head.seq, hash: head.hash };
}

export function parseCheckpoint(raw: string | null): Checkpoint {
  if (raw === null) return NO_CHECKPOINT;
  const cp = parseKey<Checkpoint>(raw, AUDIT_CHECKPOINT_KEY, 'archive checkpoint');
  if (
    typeof cp.seq !== 'number' ||
    typeof cp.hash !== 'string' ||
    typeof cp.from !== 'number' ||
    typeof cp.pruned !== 'boolean' ||
    typeof cp.archivedAt !== 'string'
  ) {
    throw new MalformedAuditKeyError(AUDIT_CHECKPOINT_KEY, 'archive checkpoint');
  }
  return { seq: cp.seq, hash: cp.hash, from: cp.from, pruned: cp.pruned, archivedAt: cp.archivedAt };
}

const PAGE = 200;

/**
 * The stored events from `from` on, in sequence order, read a page at a time: each number with its stored text, or
 * null where the key is absent. It ends after `through` when given, and never otherwise (the caller stops).
 */
export async function* storedEvents(
  store: KeyValueStore,
  from: number,
  through?: number,
): AsyncGenerator<{ seq: number; raw: string | null }> {
  for (let start = from; through === undefined || start <= through; start += PAGE) {
    const length = through === undefined ? PAGE : Math.min(PAGE, through - start + 1);
    const raws = await Promise.all(Array.from({ length }, (_, i) => store.get(auditEventKey(start + i))));
    for (const [i, raw] of raws.entries()) yield { seq: start + i, raw };
  }
}
