/**
 * `npm run -s bench:read`: Lloyd's read path against a bare pass-through proxy to the same supplier simulator.
 *
 * Starts the simulators, a Lloyd gateway and the proxy as separate processes, warms up, then drives each with
 * autocannon and prints one JSON line (last line of stdout): lloydRps, proxyRps, ratio, lloydP99Ms, proxyP99Ms,
 * addedP99Ms, plus p50s and the RESTful search figures. Progress goes to stderr.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { generatePatients } from '../../supplier-sim/src/generator/index.js';
import {
  cpuSeconds,
  devToken,
  distEntry,
  freePort,
  machineInfo,
  progress,
  startChild,
  startRedisChild,
  waitFor,
  type Child,
} from './harness.js';

const SEED = 20261123;
const PATIENTS = 50;
const DURATION = Number(process.env['BENCH_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
/** The saturated measurements alternate in this many slices (see `interleaved`). */
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
/** BENCH_REDIS=1 runs the gateway on a private Redis (the production store) instead of the in-process store. */
const ON_REDIS = process.env['BENCH_REDIS'] === '1';

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(title: string, options: autocannon.Options): Promise<Measured> {
  progress(`${title}: ${DURATION} s at ${options.connections ?? CONNECTIONS} connection(s)`);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

interface Contender {
  title: string;
  options: autocannon.Options;
}

/**
 * Drives the contenders for DURATION seconds each, in ROUNDS alternating slices. The virtual cores' speed drifts
 * by tens of percent over a minute, so measuring one after the other compared a fast minute with a slow one;
 * alternating slows them alike. Throughput is all slices' requests over their time; latencies are the median
 * slice's. `cpu` gives the CPU seconds each process used during the contender's slices.
 */
async function interleaved(
  contenders: readonly Contender[],
  cpuDuring: <T>(run: () => Promise<T>) => Promise<[T, Record<string, number>]>,
): Promise<{ measured: Measured; cpu: Record<string, number> }[]> {
  const seconds = DURATION / ROUNDS;
  const slices = contenders.map(() => [] as autocannon.Result[]);
  const cpu: Record<string, number>[] = contenders.map(() => ({}));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, { title, options }] of contenders.entries()) {
      progress(`${title}: round ${round} of ${ROUNDS}, ${seconds.toFixed(1)} s at ${CONNECTIONS} connections`);
      const [result, used] = await cpuDuring(() =>
        autocannon({ connections: CONNECTIONS, ...options, duration: seconds }),
      );
      slices[i]!.push(result);
      progress(`  ${Math.round(result.requests.average)} requests/s, p99 ${result.latency.p99} ms`);
      for (const [name, value] of Object.entries(used)) cpu[i]![name] = (cpu[i]![name] ?? 0) + value;
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return slices.map((results, i) => ({
    measured: {
      rps: Math.round(results.reduce((n, r) => n + r.requests.total, 0) / results.reduce((n, r) => n + r.duration, 0)),
      p50: median(results.map((r) => r.latency.p50)),
      p99: median(results.map((r) => r.latency.p99)),
      errors: results.reduce((n, r) => n + r.errors, 0),
      non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    },
    cpu: Object.fromEntries(Object.entries(cpu[i]!).map(([name, value]) => [name, Number(value.toFixed(2))])),
  }));
}

const children: Child[] = [];
try {
  const [simPort, gatewayPort, proxyPort, nestProxyPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const sim = `http://127.0.0.1:${simPort}`;
  const patients = generatePatients(SEED, PATIENTS, 'P10001').map((p) => p.demographics.nhsNumber);
  const dir = mkdtempSync(join(tmpdir(), 'lloyd-bench-'));
  const configFile = join(dir, 'bench.yaml');
  writeFileSync(
    configFile,
    stringify({
      suppliers: [{ ods: 'P10001', name: 'bench XML/Read v2', format: 'xml-readv2', baseUrl: sim, timeoutMs: 5000 }],
      registry: { patients: Object.fromEntries(patients.map((n) => [n, 'P10001'])) },
      access: { rateLimits: { defaultLimit: 100_000_000 } },
      resilience: { maxConcurrentPerSupplier: 64, maxQueuedPerSupplier: 1024 },
    }),
  );
  progress(`starting the simulator, the gateway${ON_REDIS ? ' (on Redis)' : ''} and the proxy`);
  // BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the gateway there (the whole run, warm-up included).
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const redis = ON_REDIS ? await startRedisChild(dir) : undefined;
  if (redis) children.push(redis.child);
  children.push(
    startChild('supplier-sim', distEntry('apps', 'supplier-sim', 'src', 'main.js'), {
      SIM_PORT_P10001: String(simPort),
      SIM_PORT_P20002: '0',
      SIM_PORT_P30003: '0',
      SIM_PORT_P40004: '0',
      SIM_SEED: String(SEED),
      SIM_EXTRA_PATIENTS: String(PATIENTS),
    }),
    startChild(
      'gateway',
      distEntry('apps', 'gateway', 'src', 'main.js'),
      {
        PORT: String(gatewayPort),
        LLOYD_CONFIG: configFile,
        LOG_LEVEL: 'warn',
        LLOYD_DATA_DIR: join(dir, 'data'),
        ...(redis ? { REDIS_URL: redis.url } : {}),
      },
      profile,
    ),
    startChild('proxy', distEntry('apps', 'bench', 'src', 'proxy.js'), {
      PROXY_PORT: String(proxyPort),
      PROXY_TARGET: sim,
    }),
    startChild('nest-proxy', distEntry('apps', 'bench', 'src', 'nest-proxy.js'), {
      PROXY_PORT: String(nestProxyPort),
      PROXY_TARGET: sim,
    }),
  );
  const lloyd = `http://127.0.0.1:${gatewayPort}`;
  const proxy = `http://127.0.0.1:${proxyPort}`;
  const nestProxy = `http://127.0.0.1:${nestProxyPort}`;
  await Promise.all([
    waitFor(`${sim}/health`),
    waitFor(`${lloyd}/health/live`),
    waitFor(`${proxy}/health`),
    waitFor(`${nestProxy}/health`),
  ]);
  const bearer = `Bearer ${await devToken(lloyd, 'hospital-epr', ['--practitioner', 'G1234567'])}`;

  let next = 0;
  const nextPatient = () => patients[next++ % patients.length]!;
  const structured: autocannon.Options = {
    url: lloyd,
    requests: [
      {
        method: 'POST',
        path: '/fhir/Patient/$gpc.getstructuredrecord',
        headers: { authorization: bearer, 'content-type': 'application/fhir+json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({
            resourceType: 'Parameters',
            parameter: [
              {
                name: 'patientNHSNumber',
                valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nextPatient() },
              },
              { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
              { name: 'includeMedication' },
              { name: 'includeProblems' },
            ],
          }),
        }),
      },
    ],
  };
  const bare: autocannon.Options = {
    url: proxy,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/record/${nextPatient()}` }) }],
  };
  const revalidating: autocannon.Options = {
    url: proxy,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/revalidating/${nextPatient()}` }) }],
  };
  // The same, written as a Nest controller: what the framework adds, apart from Lloyd's own work.
  const nestRevalidating: autocannon.Options = { ...revalidating, url: nestProxy };
  progress('warming up');
  await autocannon({ ...structured, duration: 3, connections: 4 });
  await autocannon({ ...bare, duration: 3, connections: 4 });
  await autocannon({ ...revalidating, duration: 2, connections: 4 });
  await autocannon({ ...nestRevalidating, duration: 2, connections: 4 });

  // CPU seconds each process used during a measurement: the load generator, simulator and server share the cores.
  const cpuDuring = async <T>(run: () => Promise<T>): Promise<[T, Record<string, number>]> => {
    const everyone = [
      ...children.map((c) => [c.name, c.process.pid] as const),
      ['load-generator', process.pid] as const,
    ];
    const before = everyone.map(([, pid]) => cpuSeconds(pid) ?? 0);
    const result = await run();
    const used = everyone.map(([name, pid], i) => [name, Number(((cpuSeconds(pid) ?? 0) - before[i]!).toFixed(2))]);
    return [result, Object.fromEntries(used) as Record<string, number>];
  };
  // Not part of the ratio: the revalidating pass-throughs, the headroom a gateway has when the supplier answers 304
  // as it does for Lloyd, bare and written as a Nest controller.
  const [lloydRun, proxyRun, revalidatingRun, nestRun] = await interleaved(
    [
      { title: 'Lloyd $gpc.getstructuredrecord', options: structured },
      { title: 'bare proxy', options: bare },
      { title: 'bare proxy, revalidating (If-None-Match)', options: revalidating },
      { title: 'Nest pass-through, revalidating', options: nestRevalidating },
    ],
    cpuDuring,
  );
  const { measured: lloydResult, cpu: lloydCpuSeconds } = lloydRun!;
  const { measured: proxyResult, cpu: proxyCpuSeconds } = proxyRun!;
  const { measured: revalidatingResult, cpu: revalidatingCpuSeconds } = revalidatingRun!;
  const { measured: nestResult, cpu: nestRevalidatingCpuSeconds } = nestRun!;
  const patientIds = await Promise.all(
    patients.slice(0, 10).map(async (nhs) => {
      const res = await fetch(`${lloyd}/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${nhs}`, {
        headers: { authorization: bearer },
      });
      return ((await res.json()) as { entry: { resource: { id: string } }[] }).entry[0]!.resource.id;
    }),
  );
  // One request at a time: the latency Lloyd adds when nothing queues, beside the figures above, which are each
  // at its own saturation (where queueing dominates p99). (autocannon's rate limits send each second's requests in
  // one burst, so they do not give an unsaturated comparison.)
  const lloydAlone = await measure('Lloyd, one connection', { ...structured, connections: 1 });
  const proxyAlone = await measure('bare proxy, one connection', { ...bare, connections: 1 });
  const searchResult = await measure('Lloyd RESTful search', {
    url: lloyd,
    requests: [
      {
        method: 'GET',
        headers: { authorization: bearer },
        setupRequest: (req) => ({
          ...req,
          path: `/fhir/AllergyIntolerance?patient=${patientIds[next++ % patientIds.length]!}`,
        }),
      },
    ],
  });
  const report = {
    benchmark: 'read',
    lloydRps: lloydResult.rps,
    proxyRps: proxyResult.rps,
    ratio: Number((lloydResult.rps / Math.max(1, proxyResult.rps)).toFixed(3)),
    lloydP50Ms: lloydResult.p50,
    lloydP99Ms: lloydResult.p99,
    proxyP50Ms: proxyResult.p50,
    proxyP99Ms: proxyResult.p99,
    addedP99Ms: Number((lloydResult.p99 - proxyResult.p99).toFixed(2)),
    lloydP99MsOneConnection: lloydAlone.p99,
    proxyP99MsOneConnection: proxyAlone.p99,
    addedP99MsOneConnection: Number((lloydAlone.p99 - proxyAlone.p99).toFixed(2)),
    addedP50MsOneConnection: Number((lloydAlone.p50 - proxyAlone.p50).toFixed(2)),
    revalidatingProxyRps: revalidatingResult.rps,
    revalidatingProxyP99Ms: revalidatingResult.p99,
    nestRevalidatingProxyRps: nestResult.rps,
    nestRevalidatingProxyP99Ms: nestResult.p99,
    searchRps: searchResult.rps,
    searchP99Ms: searchResult.p99,
    errors: [lloydResult, proxyResult, revalidatingResult, nestResult, lloydAlone, proxyAlone, searchResult].reduce(
      (n, r) => n + r.errors,
      0,
    ),
    non2xx: [lloydResult, proxyResult, revalidatingResult, nestResult, lloydAlone, proxyAlone, searchResult].reduce(
      (n, r) => n + r.non2xx,
      0,
    ),
    lloydCpuSeconds,
    proxyCpuSeconds,
    revalidatingCpuSeconds,
    nestRevalidatingCpuSeconds,
    connections: CONNECTIONS,
    seconds: DURATION,
    rounds: ROUNDS,
    store: ON_REDIS ? 'redis' : 'in-process',
    machine: machineInfo(),
  };
  console.log(JSON.stringify(report));
} catch (err) {
  process.stderr.write(`bench:read failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await Promise.all(children.map((c) => c.stop()));
}
