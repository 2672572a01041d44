import type { LloydConfig } from '@lloyd/config';

/**
 * Where a patient is registered: NHS number → ODS code of the registered GP practice. In production this is fed
 * from the national demographics service (PDS); GP2GP transfers move patients between practices.
 */
export abstract class PatientRegistry {
  /** The registered practice's ODS code, or null when the patient is not known to the registry. */
  abstract practiceFor(nhsNumber: string): Promise<string | null>;
}

/** The embedded default: the `registry.patients` table from configuration. */
export class ConfigPatientRegistry extends PatientRegistry {
  private readonly table: ReadonlyMap<string, string>;

  constructor(config: Pick<LloydConfig, 'registry'>) {
    super();
    this.table = new Map(Object.entries(config.registry.patients));
  }

  practiceFor(nhsNumber: string): Promise<string | null> {
    return Promise.resolve(this.table.get(nhsNumber) ?? null);
  }
}
