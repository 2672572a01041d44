/**
 * Crash safety for real: a large GP2GP transfer runs on worker A; worker B joins; A is killed with SIGKILL in the
 * middle. The transfer must still complete, exactly once: every item arrives at the new practice, none twice.
 * Everything runs as separate processes (simulators, gateway, two workers) against one private Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, projectRoot } from '@lloyd/config';
import { describeWithRedis } from '../support/redis.js';
import { fetchToken } from '../support/tokens.js';
import { freePort } from '../support/ports.js';

const root = projectRoot();
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const PATIENT = '9990000107';

function start(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(root, 'dist', entry)], { env: { ...process.env, ...env }, stdio: 'ignore' });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}

describeWithRedis('GP2GP crash safety: SIGKILL a worker mid-transfer', (redisUrl) => {
  const processes: ChildProcess[] = [];
  let gateway: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const build = spawnSync(
      process.execPath,
      ['-e', "import('./scripts/ensure-built.mjs').then((m) => m.ensureBuilt())"],
      { cwd: root, encoding: 'utf8' },
    );
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    const dir = mkdtempSync(join(tmpdir(), 'lloyd-crash-'));
    const ports = {
      P10001: await freePort(),
      P20002: await freePort(),
      P30003: await freePort(),
      P40004: await freePort(),
    };
    const gatewayPort = await freePort();
    const defaults = loadConfig({ env: {} });
    const config = join(dir, 'crash.yaml');
    writeFileSync(
      config,
      stringify({
        store: { jobLockMs: 2000 },
        gp2gp: { leaseTtlMs: 2000, resumeStalledAfterMs: 5000, resumeIntervalMs: 2000 },
        suppliers: defaults.suppliers.map((s) => ({
          ...s,
          baseUrl: `http://127.0.0.1:${ports[s.ods as keyof typeof ports]}`,
          timeoutMs: 10_000,
        })),
        access: {
          practices: ['P10001', 'P20002', 'P30003', 'P40004'].map((ods) => ({
            ods,
            enabled: true,
            autoIntegrate: true,
          })),
        },
      }),
    );
    env = { REDIS_URL: redisUrl(), LLOYD_CONFIG: config, LOG_LEVEL: 'warn', LLOYD_DATA_DIR: join(dir, 'data') };
    processes.push(
      start('apps/supplier-sim/src/main.js', {
        ...Object.fromEntries(Object.entries(ports).map(([ods, port]) => [`SIM_PORT_${ods}`, String(port)])),
        SIM_SEED: '20261123',
        SIM_LARGE_ATTACHMENTS: '4',
        SIM_LARGE_ATTACHMENT_BYTES: '8000000',
      }),
      start('apps/gateway/src/main.js', { ...env, PORT: String(gatewayPort) }),
    );
    gateway = `http://127.0.0.1:${gatewayPort}`;
    await waitFor(`${gateway}/health/ready`);
  }, 120_000);

  afterAll(() => {
    for (const p of processes) p.kill('SIGKILL');
  });

  it('completes the transfer exactly once after the worker running it is killed', async () => {
    const clinician = await fetchToken(gateway, 'hospital-epr', { practitioner: 'G1234567' });
    const broker = await fetchToken(gateway, 'gp2gp-broker');
    const counts = async (): Promise<Record<string, number>> => {
      const res = await fetch(`${gateway}/fhir/Patient/$gpc.getstructuredrecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: PATIENT } },
            { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
            ...['includeMedication', 'includeProblems', 'includeConsultations', 'includeReferrals'].map((name) => ({
              name,
            })),
          ],
        }),
      });
      const bundle = (await res.json()) as fhir4.Bundle;
      const out: Record<string, number> = {};
      for (const e of bundle.entry ?? []) {
        const type = e.resource?.resourceType ?? '';
        if (['AllergyIntolerance', 'Condition', 'MedicationStatement', 'Encounter', 'ServiceRequest'].includes(type))
          out[type] = (out[type] ?? 0) + 1;
      }
      return out;
    };
    const before = await counts();
    expect(before['Encounter']).toBeGreaterThan(100);

    const workerA = start('apps/transfer-worker/src/main.js', env);
    processes.push(workerA);
    const res = await fetch(`${gateway}/gp2gp/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${broker}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber: PATIENT, fromOds: 'P10001', toOds: 'P20002' }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const state = async () =>
      (await (
        await fetch(`${gateway}/gp2gp/transfers/${id}`, { headers: { authorization: `Bearer ${broker}` } })
      ).json()) as {
        state: string;
        failure?: unknown;
        timeline: { state: string }[];
      };

    // Worker A alone has started the work: once the extract is in, B joins and A dies mid-transfer.
    for (
      let i = 0;
      i < 600 && !['extract-received', 'fragments-pending', 'reassembled'].includes((await state()).state);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const killedAt = (await state()).state;
    processes.push(start('apps/transfer-worker/src/main.js', env));
    workerA.kill('SIGKILL');
    expect(['extract-received', 'fragments-pending', 'reassembled']).toContain(killedAt);

    let final = await state();
    for (let i = 0; i < 900 && !['completed', 'failed'].includes(final.state); i++) {
      await new Promise((r) => setTimeout(r, 100));
      final = await state();
    }
    expect({ state: final.state, failure: final.failure }).toEqual({ state: 'completed', failure: undefined });
    expect(final.timeline.filter((t) => t.state === 'completed')).toHaveLength(1);
    expect(await counts()).toEqual(before);
  }, 180_000);
});
