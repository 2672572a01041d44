import type { KeyValueStore } from '@lloyd/store';

const key = (ods: string, nhsNumber: string) => `federation:in-transit:${ods}:${nhsNumber}`;

/**
 * Marks a patient whose GP2GP record transfer into a practice has started and not finished, so that record views
 * at that practice carry GP Connect's `data-in-transit` warning. Kept in the store, shared by every replica.
 */
export class TransferMarkers {
  constructor(private readonly kv: KeyValueStore) {}

  async markInTransit(ods: string, nhsNumber: string, transferId: string): Promise<void> {
    await this.kv.set(key(ods, nhsNumber), transferId);
  }

  async clear(ods: string, nhsNumber: string): Promise<void> {
    await this.kv.delete(key(ods, nhsNumber));
  }

  async isInTransit(ods: string, nhsNumber: string): Promise<boolean> {
    return (await this.kv.get(key(ods, nhsNumber))) !== null;
  }
}
