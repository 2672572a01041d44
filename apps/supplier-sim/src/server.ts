/**
 * Starts the simulated GP supplier systems: one HTTP service per practice, each in its native format, all serving
 * the same deterministic synthetic dataset. They are test and demo doubles and deliberately independent of Lloyd:
 * nothing here imports Lloyd's libraries.
 */
import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from './generator/generate.js';
import type { LargeRecordOptions } from './generator/scenarios.js';
import { createXmlReadV2System } from './systems/xml-readv2.js';

/** The practices whose systems are simulated so far (P20002 JSON/CTV3, P30003 HL7 V3, P40004 FHIR STU3 to come). */
export type SimulatedSystem = 'P10001';

interface SystemDefinition {
  readonly ods: SimulatedSystem;
  readonly format: string;
  readonly create: (dataset: SyntheticDataset) => FastifyInstance;
}

/** A new system is one more entry here, built on the same dataset. */
const SYSTEMS: readonly SystemDefinition[] = [
  { ods: 'P10001', format: 'xml-readv2', create: (dataset) => createXmlReadV2System({ dataset, ods: 'P10001' }) },
];

export interface SimulatorPorts {
  /** Port of P10001's XML/Read v2 system (0 = any free port). */
  readonly P10001?: number;
  /** The same port by format name; `P10001` wins when both are given. */
  readonly xmlReadv2?: number;
}

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
  /** Date records are generated relative to (default 2025-06-01). */
  readonly asOf?: string;
}

export interface RunningSimulators {
  /** Base URL of each system, e.g. `http://127.0.0.1:8091`. */
  readonly urls: Record<SimulatedSystem, string>;
  /** The data every system serves (for tests that need to know what to expect). */
  readonly dataset: SyntheticDataset;
  close(): Promise<void>;
}

function portFor(ods: SimulatedSystem, ports: SimulatorPorts | undefined): number {
  switch (ods) {
    case 'P10001':
      return ports?.P10001 ?? ports?.xmlReadv2 ?? 0;
  }
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
  return { urls: urls as Record<SimulatedSystem, string>, dataset, close: closeAll };
}

/** The format each simulated system speaks, for start-up messages. */
export function simulatedFormats(): Record<SimulatedSystem, string> {
  return Object.fromEntries(SYSTEMS.map((s) => [s.ods, s.format])) as Record<SimulatedSystem, string>;
}
