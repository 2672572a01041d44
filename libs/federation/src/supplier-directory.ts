import type { SupplierConfig, SupplierFormat } from '@lloyd/config';
import type { SupplierAdapter } from '@lloyd/adapters-core';
import { XmlReadV2Adapter } from '@lloyd/adapter-xml-readv2';

export interface SupplierEndpoint {
  config: SupplierConfig;
  adapter: SupplierAdapter;
}

type AdapterFactory = (config: SupplierConfig) => SupplierAdapter;

/** One factory per native supplier format; a format without a factory is a configuration error at start-up. */
const FACTORIES: Partial<Record<SupplierFormat, AdapterFactory>> = {
  'xml-readv2': (c) => new XmlReadV2Adapter({ ods: c.ods, baseUrl: c.baseUrl }),
};

/** The configured supplier systems, one per practice, each with the adapter that speaks its native format. */
export class SupplierDirectory {
  private readonly byOds = new Map<string, SupplierEndpoint>();

  constructor(suppliers: readonly SupplierConfig[]) {
    for (const config of suppliers) {
      const factory = FACTORIES[config.format];
      if (!factory) {
        throw new Error(`suppliers[${config.ods}].format: no adapter is available for format "${config.format}" yet`);
      }
      this.byOds.set(config.ods, { config, adapter: factory(config) });
    }
  }

  get(ods: string): SupplierEndpoint | undefined {
    return this.byOds.get(ods);
  }

  all(): SupplierEndpoint[] {
    return [...this.byOds.values()];
  }
}
