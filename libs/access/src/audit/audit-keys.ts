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

export function parseHead(raw: string | null): Head {
  if (raw === null) return { seq: 0, hash: GENESIS_HASH };
  const head = JSON.parse(raw) as Partial<Head>;
  if (typeof head.seq !== 'number' || typeof head.hash !== 'string') {
    throw new Error(`The audit chain's head (${AUDIT_HEAD_KEY}) is malformed`);
  }
  return { seq: head.seq, hash: head.hash };
}

export function parseCheckpoint(raw: string | null): Checkpoint {
  if (raw === null) return NO_CHECKPOINT;
  const cp = JSON.parse(raw) as Partial<Checkpoint>;
  if (
    typeof cp.seq !== 'number' ||
    typeof cp.hash !== 'string' ||
    typeof cp.from !== 'number' ||
    typeof cp.pruned !== 'boolean' ||
    typeof cp.archivedAt !== 'string'
  ) {
    throw new Error(`The audit chain's archive checkpoint (${AUDIT_CHECKPOINT_KEY}) is malformed`);
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
