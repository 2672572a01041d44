import { type KeyValueStore } from '@lloyd/store';
import type { Transfer } from '../model/transfer.js';
import type { TransferState } from '../model/transfer-state.js';
import { londonDay } from './london-day.js';
import { transferKeys } from './transfer-keys.js';

const MAX_ATTEMPTS = 50;
const LOAD_BATCH = 100;

/** What an update did: the transfer as stored afterwards, and whether this call changed it. */
export interface UpdateResult {
  transfer: Transfer;
  changed: boolean;
}

/**
 * A change to a transfer: returns the next value, or null to leave it as it is (the change is moot). Called again on
 * the freshly read value whenever another writer got there first, so it must be pure.
 */
export type TransferMutation = (current: Transfer) => Transfer | null;

export interface TransferFilter {
  state?: TransferState;
  toOds?: string;
}

/**
 * GP2GP transfers in the KeyValueStore: one JSON document per transfer, changed only by compare-and-set on the whole
 * document, so of two concurrent writers the stale one loses, re-reads and decides again. Index keys (by state,
 * receiving practice and London day) are written before the document and pruned after it, so they may list too
 * much for a moment but never too little; readers check every hit against the document.
 */
export class TransferRepository {
  constructor(private readonly kv: KeyValueStore) {}

  async get(id: string): Promise<Transfer | null> {
    const raw = await this.kv.get(transferKeys.transfer(id));
    return raw === null ? null : parse(raw);
  }

  /** Stores a new transfer. Resolves false when one with this id already exists. */
  async create(transfer: Transfer): Promise<boolean> {
    await this.writeIndexes(transfer);
    return this.kv.setIfAbsent(transferKeys.transfer(transfer.id), JSON.stringify(transfer));
  }

  /** Removes a transfer that lost a duplicate race before anyone could see it. */
  async discard(transfer: Transfer): Promise<void> {
    await this.kv.delete(transferKeys.transfer(transfer.id));
    await this.deleteIndexes(transfer, null);
  }

  /**
   * Applies `mutation` with optimistic concurrency: read, decide, compare-and-set; on conflict read again and decide
   * again. Resolves null when the transfer does not exist.
   */
  async update(id: string, mutation: TransferMutation): Promise<UpdateResult | null> {
    const key = transferKeys.transfer(id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = await this.kv.get(key);
      if (raw === null) return null;
      const current = parse(raw);
      const proposed = mutation(current);
      if (proposed === null) return { transfer: current, changed: false };
      const next: Transfer = { ...proposed, version: current.version + 1 };
      await this.writeIndexes(next, current);
      if (await this.kv.compareAndSet(key, raw, JSON.stringify(next))) {
        await this.deleteIndexes(current, next);
        return { transfer: next, changed: true };
      }
    }
    throw new Error(
      `GP2GP transfer ${id} is being changed by too many writers at once; the step will be retried with backoff.`,
    );
  }

  /** Transfers matching the filter, newest first. */
  async list(filter: TransferFilter = {}, limit = 100): Promise<Transfer[]> {
    let ids: string[];
    if (filter.state) ids = await this.idsUnder(transferKeys.byState(filter.state));
    else if (filter.toOds) ids = await this.idsUnder(transferKeys.byReceiver(filter.toOds));
    else ids = await this.idsUnder(transferKeys.transferPrefix);
    const found = (await this.load(ids)).filter(
      (t) => (!filter.state || t.state === filter.state) && (!filter.toOds || t.toOds === filter.toOds),
    );
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id)).slice(0, limit);
  }

  /** Every transfer requested on a London calendar day from `fromDay` to `toDay` inclusive (YYYY-MM-DD). */
  async requestedBetween(fromDay: string, toDay: string): Promise<Transfer[]> {
    const keys = await this.kv.keys(transferKeys.dayPrefix);
    const ids: string[] = [];
    for (const key of keys) {
      const rest = key.slice(transferKeys.dayPrefix.length);
      const day = rest.slice(0, 10);
      if (day >= fromDay && day <= toDay) ids.push(rest.slice(11));
    }
    return (await this.load(ids)).filter((t) => {
      const day = londonDay(new Date(t.createdAt));
      return day >= fromDay && day <= toDay;
    });
  }

  private async idsUnder(prefix: string): Promise<string[]> {
    return (await this.kv.keys(prefix)).map((key) => key.slice(prefix.length)).filter((id) => id !== '');
  }

  private async load(ids: readonly string[]): Promise<Transfer[]> {
    const out: Transfer[] = [];
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += LOAD_BATCH) {
      const raws = await Promise.all(
        unique.slice(i, i + LOAD_BATCH).map((id) => this.kv.get(transferKeys.transfer(id))),
      );
      for (const raw of raws) if (raw !== null) out.push(parse(raw));
    }
    return out;
  }

  /**
   * Writes the index entries `transfer` has and `previous` (the stored version it replaces) did not: all of them for
   * a new transfer, then only the state's, because the receiver and the day never change.
   */
  private async writeIndexes(transfer: Transfer, previous?: Transfer): Promise<void> {
    const keys: string[] = [];
    if (!previous || previous.state !== transfer.state) keys.push(transferKeys.byState(transfer.state, transfer.id));
    if (!previous || previous.toOds !== transfer.toOds) keys.push(transferKeys.byReceiver(transfer.toOds, transfer.id));
    if (!previous || previous.createdAt !== transfer.createdAt) {
      keys.push(transferKeys.byDay(londonDay(new Date(transfer.createdAt)), transfer.id));
    }
    await Promise.all(keys.map((key) => this.kv.set(key, '1')));
  }

  /** Drops the index entries `previous` had and `next` no longer has (all of them when `next` is null). */
  private async deleteIndexes(previous: Transfer, next: Transfer | null): Promise<void> {
    const stale: string[] = [];
    if (!next || next.state !== previous.state) stale.push(transferKeys.byState(previous.state, previous.id));
    if (!next) {
      stale.push(transferKeys.byReceiver(previous.toOds, previous.id));
      stale.push(transferKeys.byDay(londonDay(new Date(previous.createdAt)), previous.id));
    }
    await Promise.all(stale.map((key) => this.kv.delete(key)));
  }
}

function parse(raw: string): Transfer {
  return JSON.parse(raw) as Transfer;
}
