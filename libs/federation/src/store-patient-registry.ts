import type { KeyValueStore } from '@lloyd/store';
import { PatientRegistry } from './patient-registry.js';

const moveKey = (nhsNumber: string) => `registry:moved:${nhsNumber}`;

/**
 * The patient registry with GP2GP moves: a decorator over the configured (or national) registry. A completed
 * transfer records the patient's new practice in the KeyValueStore, which is read first, so every replica routes the
 * patient to the new practice from then on.
 */
export class StorePatientRegistry extends PatientRegistry {
  constructor(
    private readonly inner: PatientRegistry,
    private readonly kv: KeyValueStore,
  ) {
    super();
  }

  async practiceFor(nhsNumber: string): Promise<string | null> {
    return (await this.kv.get(moveKey(nhsNumber))) ?? this.inner.practiceFor(nhsNumber);
  }

  /** Records that the patient is now registered at `ods` (idempotent). */
  async recordMove(nhsNumber: string, ods: string): Promise<void> {
    await this.kv.set(moveKey(nhsNumber), ods);
  }
}
