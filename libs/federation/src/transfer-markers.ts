import type { KeyValueStore } from '@lloyd/store';

const key = (ods: string, nhsNumber: string) => `federation:in-transit:${ods}:${nhsNumber}`;
const patientKey = (nhsNumber: string) => `federation:in-transit:patient:${nhsNumber}`;

/**
 * Marks a patient whose GP2GP record transfer has started and not finished, so that record views carry GP Connect's
 * `data-in-transit` warning: the record is moving between practices and recent items may be missing from the copy
 * being read. Kept in the store, shared by every replica.
 */
export class TransferMarkers {
  constructor(private readonly kv: KeyValueStore) {}

  /** Marks the transfer of `nhsNumber`'s record into practice `ods`. */
  async markInTransit(ods: string, nhsNumber: string, transferId: string): Promise<void> {
    await this.kv.set(key(ods, nhsNumber), transferId);
    await this.kv.set(patientKey(nhsNumber), JSON.stringify({ toOds: ods, transferId }));
  }

  async clear(ods: string, nhsNumber: string): Promise<void> {
    await this.kv.delete(key(ods, nhsNumber));
    const current = await this.kv.get(patientKey(nhsNumber));
    if (current && (JSON.parse(current) as { toOds: string }).toOds === ods)
      await this.kv.delete(patientKey(nhsNumber));
  }

  /** A transfer into practice `ods` is under way for this patient. */
  async isInTransit(ods: string, nhsNumber: string): Promise<boolean> {
    return (await this.kv.get(key(ods, nhsNumber))) !== null;
  }

  /** A transfer of this patient's record is under way, into whichever practice. */
  async isMoving(nhsNumber: string): Promise<boolean> {
    return (await this.kv.get(patientKey(nhsNumber))) !== null;
  }
}
