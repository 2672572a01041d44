import type { SupplierConfig, SupplierFormat } from '@lloyd/config';
import type { RevalidationOutcome, SupplierAdapter, TransferEndpoint } from '@lloyd/adapters-core';
import { FhirStu3Adapter, FhirStu3Transfer } from '@lloyd/adapter-fhir-stu3';
import { Hl7v3ExtractAdapter, Hl7v3ExtractTransfer } from '@lloyd/adapter-hl7v3-extract';
import { JsonCtv3Adapter, JsonCtv3Transfer } from '@lloyd/adapter-json-ctv3';
import { XmlReadV2Adapter, XmlReadV2Transfer } from '@lloyd/adapter-xml-readv2';

export interface SupplierEndpoint {
  config: SupplierConfig;
  adapter: SupplierAdapter;
  /** The system's GP2GP side, when its adapter library can send and receive whole records. */
  transfer?: TransferEndpoint;
}

/** Told how each conditional read of a system went, by practice. */
export type RevalidationObserver = (ods: string, outcome: RevalidationOutcome) => void;

type Factory = (config: SupplierConfig, observe: RevalidationObserver) => Omit<SupplierEndpoint, 'config'>;

const cacheOptions = (c: SupplierConfig, observe: RevalidationObserver) => ({
  cacheBytes: c.revalidatedCacheBytes,
  onRevalidation: (outcome: RevalidationOutcome) => observe(c.ods, outcome),
});

/** One factory per native supplier format: the record adapter and the GP2GP transfer endpoint of that format. */
const FACTORIES: Record<SupplierFormat, Factory> = {
  'xml-readv2': (c, observe) => ({
    adapter: new XmlReadV2Adapter({ ods: c.ods, baseUrl: c.baseUrl, ...cacheOptions(c, observe) }),
    transfer: new XmlReadV2Transfer({ ods: c.ods, baseUrl: c.baseUrl }),
  }),
  'json-ctv3': (c, observe) => ({
    adapter: new JsonCtv3Adapter({ ods: c.ods, baseUrl: c.baseUrl, ...cacheOptions(c, observe) }),
    transfer: new JsonCtv3Transfer({ ods: c.ods, baseUrl: c.baseUrl }),
  }),
  'hl7v3-extract': (c) => ({
    adapter: new Hl7v3ExtractAdapter({ ods: c.ods, baseUrl: c.baseUrl }),
    transfer: new Hl7v3ExtractTransfer({ ods: c.ods, baseUrl: c.baseUrl }),
  }),
  'fhir-stu3': (c) => ({
    adapter: new FhirStu3Adapter({ ods: c.ods, baseUrl: c.baseUrl }),
    transfer: new FhirStu3Transfer({ ods: c.ods, baseUrl: c.baseUrl }),
  }),
};

/** The configured supplier systems, one per practice, each with the adapter that speaks its native format. */
export class SupplierDirectory {
  private readonly byOds = new Map<string, SupplierEndpoint>();

  constructor(suppliers: readonly SupplierConfig[], observe: RevalidationObserver = () => undefined) {
    for (const config of suppliers) {
      this.byOds.set(config.ods, { config, ...FACTORIES[config.format](config, observe) });
    }
  }

  get(ods: string): SupplierEndpoint | undefined {
    return this.byOds.get(ods);
  }

  all(): SupplierEndpoint[] {
    return [...this.byOds.values()];
  }
}
