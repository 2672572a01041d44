/**
 * Runs the supplier simulators on their own. The simulators are not part of Lloyd, so they read their settings
 * straight from the environment:
 * - `SIM_HOST` (default 127.0.0.1)
 * - `SIM_SEED` (default 1)
 * - `SIM_PORT_P10001`, `SIM_PORT_P20002`, `SIM_PORT_P30003`, `SIM_PORT_P40004` (default 8091 to 8094)
 * - `SIM_EXTRA_PATIENTS` synthetic patients per practice (default 0)
 * - `SIM_LARGE_CONSULTATIONS`, `SIM_LARGE_ATTACHMENTS`, `SIM_LARGE_ATTACHMENT_BYTES`: the size of the large demo
 *   record (9990000107); defaults 250 consultations and 6 attachments of 1 MB
 * - `SIM_TYPICAL_EXTRA_CONSULTATIONS`: further consultations in every synthetic patient's record (default 0)
 */
import { simulatedFormats, startSimulators } from './server.js';

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name}="${raw}" is not a whole number; set it to e.g. ${fallback} or leave it unset.`);
    process.exit(2);
  }
  return value;
}

const sims = await startSimulators({
  host: process.env['SIM_HOST'] || '127.0.0.1',
  seed: integer('SIM_SEED', 1),
  ports: {
    P10001: integer('SIM_PORT_P10001', 8091),
    P20002: integer('SIM_PORT_P20002', 8092),
    P30003: integer('SIM_PORT_P30003', 8093),
    P40004: integer('SIM_PORT_P40004', 8094),
  },
  extraPatients: integer('SIM_EXTRA_PATIENTS', 0),
  typicalExtraConsultations: integer('SIM_TYPICAL_EXTRA_CONSULTATIONS', 0),
  largeRecord: {
    consultations: integer('SIM_LARGE_CONSULTATIONS', 250),
    attachments: integer('SIM_LARGE_ATTACHMENTS', 6),
    attachmentBytes: integer('SIM_LARGE_ATTACHMENT_BYTES', 1_000_000),
  },
});

const formats = simulatedFormats();
for (const [ods, url] of Object.entries(sims.urls)) {
  console.log(`${ods} ${formats[ods as keyof typeof formats]} ${url}`);
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the supplier simulators`);
  sims.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error('Failed to stop the simulators cleanly:', err);
      process.exit(1);
    },
  );
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
