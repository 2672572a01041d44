/**
 * Starts the simulated GP supplier systems: one HTTP service per practice, each in its native format, all serving
 * the same deterministic synthetic dataset. They are test and demo doubles and deliberately independent of Lloyd:
 * nothing here imports Lloyd's libraries.
 */
import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from './generator/generate.js';
import type { LargeRecordOptions } from './generator/scenarios.js';
import { createFhirStu3System } from './systems/fhir-stu3.js';
import { createHl7v3Gp2gpSystem } from './systems/hl7v3-gp2gp.js';
import { createJsonCtv3System } from './systems/json-ctv3.js';
import { createXmlReadV2System } from './systems/xml-readv2.js';

/** The simulated practices: P10001 XML/Read v2, P20002 JSON/CTV3, P30003 HL7 V3 GP2GP, P40004 FHIR STU3. */
export type SimulatedSystem = 'P10001' | 'P20002' | 'P30003' | 'P40004';

interface SystemDefinition {
  readonly ods: SimulatedSystem;
  readonly format: string;
  readonly create: (dataset: SyntheticDataset) => FastifyInstance;
}

/** A new system is one more entry here (one line each), built on the same dataset. */
const SYSTEMS: readonly SystemDefinition[] = [
  { ods: 'P10001', format: 'xml-readv2', create: (dataset) => createXmlReadV2System({ dataset, ods: 'P10001' }) },
  { ods: 'P20002', format: 'json-ctv3', create: (dataset) => createJsonCtv3System({ dataset, ods: 'P20002' }) },
  { ods: 'P30003', format: 'hl7v3-gp2gp', create: (dataset) => createHl7v3Gp2gpSystem({ dataset, ods: 'P30003' }) },
  { ods: 'P40004', format: 'fhir-stu3', create: (dataset) => createFhirStu3System({ dataset, ods: 'P40004' }) },
];

/** Port per system (0 = any free port); `xmlReadv2` is an older alias of `P10001`. */
export type SimulatorPorts = Partial<Record<SimulatedSystem, number>> & { readonly xmlReadv2?: number };

export interface SimulatorOptions {
  readonly seed: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Ports per system; a system without one listens on a free port. */
  readonly ports?: SimulatorPorts;
  /** Synthetic patients to add at each practice, beyond the demo patients (default 0). */
  readonly extraPatients?: number;
  /** Size of the large demo record (9990000107). */
  readonly largeRecord?: Partial<LargeRecordOptions>;
  /** Further consultations in every synthetic patient's record (default 0: small records). */
  readonly typicalExtraConsultations?: number;
  /** Date records are generated relative to (default 2025-06-01). */
  readonly asOf?: string;
}

export interface RunningSimulators {
  /** Base URL of each system that was started, e.g. `http://127.0.0.1:8091`. */
  readonly urls: Partial<Record<SimulatedSystem, string>>;
  /** The data every system serves (for tests that need to know what to expect). */
  readonly dataset: SyntheticDataset;
  close(): Promise<void>;
}

function portFor(ods: SimulatedSystem, ports: SimulatorPorts | undefined): number {
  return ports?.[ods] ?? (ods === 'P10001' ? ports?.xmlReadv2 : undefined) ?? 0;
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startSimulators(options: SimulatorOptions): Promise<RunningSimulators> {
  const host = options.host ?? '127.0.0.1';
  const dataset = new SyntheticDataset({
    seed: options.seed,
    ...(options.asOf ? { asOf: options.asOf } : {}),
    ...(options.extraPatients ? { extraPatients: options.extraPatients } : {}),
    ...(options.largeRecord ? { largeRecord: options.largeRecord } : {}),
    ...(options.typicalExtraConsultations ? { typicalExtraConsultations: options.typicalExtraConsultations } : {}),
  });
  const started: FastifyInstance[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.map((app) => app.close()));
  };
  const urls: Partial<Record<SimulatedSystem, string>> = {};
  try {
    for (const system of SYSTEMS) {
      const app = system.create(dataset);
      started.push(app);
      await app.listen({ host, port: portFor(system.ods, options.ports) });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error(`${system.ods} did not get a TCP address`);
      urls[system.ods] = urlOf(host, address.port);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { urls, dataset, close: closeAll };
}

/** The format each simulated system speaks, for start-up messages. */
export function simulatedFormats(): Partial<Record<SimulatedSystem, string>> {
  return Object.fromEntries(SYSTEMS.map((s) => [s.ods, s.format]));
}
