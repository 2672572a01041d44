/**
 * `npm run -s bench:transfer`: GP2GP transfers through real processes on Redis.
 *
 * Starts a private Redis, the supplier simulators, a gateway and two transfer workers (BullMQ), then measures:
 * sustained transfers/s for typical records, the end-to-end time of a large record with big attachments, the peak RSS
 * of every process, and extract → FHIR parse throughput. Prints one JSON line (last line of stdout); progress goes to
 * stderr. `BENCH_TRANSFERS`, `BENCH_LARGE_MB` change the run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '@lloyd/config';
import { buildEhrExtract, benchParse } from '@lloyd/hl7v3';
import { XmlReadV2Adapter } from '@lloyd/adapter-xml-readv2';
import { steadyRate } from './rates.js';
import { generatePatients } from '../../supplier-sim/src/generator/index.js';
import {
  devToken,
  distEntry,
  freePort,
  machineInfo,
  cpuSeconds,
  peakRssMb,
  resetPeakRss,
  progress,
  startChild,
  startRedisChild,
  waitFor,
  type Child,
} from './harness.js';

const SEED = 20261123;
const TRANSFERS = Number(process.env['BENCH_TRANSFERS'] ?? 200);
const LARGE_MB = Number(process.env['BENCH_LARGE_MB'] ?? 100);
/** Further consultations per typical record, so typical extracts are about 200 KB like real ones. */
const TYPICAL_CONSULTATIONS = Number(process.env['BENCH_TYPICAL_CONSULTATIONS'] ?? 22);
const LARGE_PATIENT = '9990000107';
/**
 * How often the benchmark polls for finished transfers. The sustained rate comes from the transfers' own completion
 * times, so coarse polling does not blur it, and keeps the benchmark's own load on the gateway small.
 */
const POLL_MS = 1000;
const SYSTEMS = ['P10001', 'P20002', 'P30003', 'P40004'] as const;

interface TransferView {
  id: string;
  state: string;
  timeline: { at: string; state: string }[];
  sizes: { extractBytes: number; attachmentBytes: number };
  failure?: { code: string; reason: string };
}

const children: Child[] = [];
try {
  const dir = mkdtempSync(join(tmpdir(), 'lloyd-bench-transfer-'));
  const redis = await startRedisChild(dir);
  children.push(redis.child);
  const ports = Object.fromEntries(await Promise.all(SYSTEMS.map(async (ods) => [ods, await freePort()] as const)));
  const gatewayPort = await freePort();
  const perPractice = Math.ceil(TRANSFERS / SYSTEMS.length) + 1;
  const synthetic = SYSTEMS.flatMap((ods) =>
    generatePatients(SEED, perPractice, ods).map((p) => [p.demographics.nhsNumber, ods] as const),
  );
  const defaults = loadConfig({ env: {} });
  const configFile = join(dir, 'bench.yaml');
  writeFileSync(
    configFile,
    stringify({
      store: { jobLockMs: 5000 },
      suppliers: defaults.suppliers.map((s) => ({
        ...s,
        baseUrl: `http://127.0.0.1:${ports[s.ods]!}`,
        timeoutMs: 10_000,
      })),
      registry: { patients: { ...defaults.registry.patients, ...Object.fromEntries(synthetic) } },
      access: {
        practices: SYSTEMS.map((ods) => ({ ods, enabled: true, autoIntegrate: true })),
        rateLimits: { defaultLimit: 100_000_000 },
      },
    }),
  );
  const attachmentBytes = 25_000_000;
  const attachments = Math.max(1, Math.round((LARGE_MB * 1_000_000) / attachmentBytes));
  progress(
    `starting Redis, the simulators, a gateway and two workers (large record: ${attachments} × 25 MB attachments)`,
  );
  const lloydEnv = {
    REDIS_URL: redis.url,
    LLOYD_CONFIG: configFile,
    LOG_LEVEL: 'warn',
    LLOYD_DATA_DIR: join(dir, 'data'),
  };
  // BENCH_PROFILE_DIR=<dir> writes V8 CPU profiles of the simulators, the gateway and the workers there.
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const sims = startChild(
    'supplier-sim',
    distEntry('apps', 'supplier-sim', 'src', 'main.js'),
    {
      ...Object.fromEntries(SYSTEMS.map((ods) => [`SIM_PORT_${ods}`, String(ports[ods])])),
      SIM_SEED: String(SEED),
      SIM_EXTRA_PATIENTS: String(perPractice),
      SIM_TYPICAL_EXTRA_CONSULTATIONS: String(TYPICAL_CONSULTATIONS),
      SIM_LARGE_ATTACHMENTS: String(attachments),
      SIM_LARGE_ATTACHMENT_BYTES: String(attachmentBytes),
    },
    profile,
  );
  const gateway = startChild(
    'gateway',
    distEntry('apps', 'gateway', 'src', 'main.js'),
    { ...lloydEnv, PORT: String(gatewayPort) },
    profile,
  );
  const workers = [1, 2].map((n) =>
    startChild(`worker-${n}`, distEntry('apps', 'transfer-worker', 'src', 'main.js'), lloydEnv, profile),
  );
  children.push(sims, gateway, ...workers);
  const lloyd = `http://127.0.0.1:${gatewayPort}`;
  await Promise.all([
    waitFor(`${lloyd}/health/ready`, 60_000),
    ...SYSTEMS.map((ods) => waitFor(`http://127.0.0.1:${ports[ods]!}/health`)),
  ]);
  const bearer = `Bearer ${await devToken(lloyd, 'gp2gp-broker')}`;

  const start = async (nhsNumber: string, fromOds: string, toOds: string) => {
    const res = await fetch(`${lloyd}/gp2gp/transfers`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber, fromOds, toOds }),
    });
    if (res.status !== 202) throw new Error(`starting a transfer answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };
  // Polls the list endpoint (one request for all transfers) rather than each transfer, so the benchmark's own
  // polling does not load the gateway it measures.
  const settle = async (ids: string[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    const wanted = new Set(ids);
    const done = new Map<string, TransferView>();
    while (done.size < ids.length) {
      for (const state of ['completed', 'failed', 'awaiting-acceptance']) {
        const res = await fetch(`${lloyd}/gp2gp/transfers?state=${state}&count=1000`, {
          headers: { authorization: bearer },
        });
        const { transfers } = (await res.json()) as { transfers: TransferView[] };
        for (const t of transfers.filter((t) => wanted.has(t.id))) {
          if (state === 'awaiting-acceptance') {
            // Records with degraded codes wait for a clinician's acceptance; the benchmark accepts them at once.
            await fetch(`${lloyd}/gp2gp/transfers/${t.id}/accept`, {
              method: 'POST',
              headers: { authorization: bearer },
            });
          } else {
            done.set(t.id, t);
          }
        }
      }
      if (Date.now() > deadline)
        throw new Error(`${ids.length - done.size} transfers did not finish in ${timeoutMs / 1000} s`);
      if (done.size < ids.length) await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return [...done.values()];
  };

  // The large record first, so its peak memory is its own rather than the heap a burst of typical transfers left.
  progress(`one large transfer (${LARGE_PATIENT}, about ${LARGE_MB} MB of attachments)`);
  const t1 = performance.now();
  const [large] = await settle([await start(LARGE_PATIENT, 'P10001', 'P20002')], 600_000);
  const largeSeconds = (performance.now() - t1) / 1000;
  const rss = Object.fromEntries([gateway, ...workers].map((c) => [c.name, peakRssMb(c.process.pid)]));
  const simRss = peakRssMb(sims.process.pid);
  for (const c of [gateway, ...workers]) resetPeakRss(c.process.pid);

  // Typical records: synthetic patients, each to the next system round the ring.
  progress(`${TRANSFERS} typical transfers with 2 workers`);
  const jobs = synthetic
    .slice(0, TRANSFERS)
    .map(([nhs, from]) => [nhs, from, SYSTEMS[(SYSTEMS.indexOf(from) + 1) % SYSTEMS.length]!] as const);
  const everyProcess = () => [gateway, ...workers, sims, redis.child];
  const cpuBefore = everyProcess().map((c) => cpuSeconds(c.process.pid) ?? 0);
  const t0 = performance.now();
  const ids = await Promise.all(jobs.map(([nhs, from, to]) => start(nhs, from, to)));
  const typical = await settle(ids, 300_000);
  const typicalSeconds = (performance.now() - t0) / 1000;
  // Where the CPU went during the typical phase: the processes share the machine's cores.
  const typicalCpuSeconds = Object.fromEntries(
    everyProcess().map((c, i) => [c.name, Number(((cpuSeconds(c.process.pid) ?? 0) - cpuBefore[i]!).toFixed(2))]),
  );
  const failed = typical.filter((t) => t.state !== 'completed');
  const sustained = steadyRate(typical);
  const typicalBytes =
    typical.reduce((n, t) => n + t.sizes.extractBytes + t.sizes.attachmentBytes, 0) / Math.max(1, typical.length);

  // Peak memory while 200 typical records are in flight at once (V8 keeps the heap it grew).
  const typicalPeakRssMbByProcess = Object.fromEntries(
    [gateway, ...workers].map((c) => [c.name, peakRssMb(c.process.pid)]),
  );

  progress('extract parse throughput');
  const adapter = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: `http://127.0.0.1:${ports['P10001']!}` });
  const record = await adapter.getRecord(
    LARGE_PATIENT,
    { sections: [] },
    { signal: AbortSignal.timeout(30_000), correlationId: 'bench' },
  );
  const extract = Buffer.from(
    buildEhrExtract(record!, { messageId: 'BENCH', fromAsid: '000000000000', toAsid: '000000000000', toOds: 'P20002' }),
  );
  const parseMBps = await benchParse(extract, 5);

  const report = {
    benchmark: 'transfer',
    transfersPerSecond: Number(sustained.toFixed(2)),
    overallTransfersPerSecond: Number((typical.length / typicalSeconds).toFixed(2)),
    typicalTransfers: typical.length,
    typicalFailed: failed.length,
    typicalRecordBytes: Math.round(typicalBytes),
    typicalSeconds: Number(typicalSeconds.toFixed(2)),
    typicalCpuSeconds,
    typicalPeakRssMbByProcess,
    largeTransferSeconds: Number(largeSeconds.toFixed(2)),
    largeTransferBytes: (large?.sizes.extractBytes ?? 0) + (large?.sizes.attachmentBytes ?? 0),
    largeTransferState: large?.state,
    peakRssMb: Math.max(...Object.values(rss).map((v) => v ?? 0)),
    peakRssMbByProcess: { ...rss, 'supplier-sim': simRss },
    parseMBps: Number(parseMBps.toFixed(1)),
    parsedExtractBytes: extract.byteLength,
    machine: machineInfo(),
  };
  console.log(JSON.stringify(report));
} catch (err) {
  process.stderr.write(`bench:transfer failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all(children.reverse().map((c) => c.stop()));
}
