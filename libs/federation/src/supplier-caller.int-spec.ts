import { configSchema } from '@lloyd/config';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports
import { startSimulators, type RunningSimulators } from '../../../apps/supplier-sim/src/server.js';
import { SupplierCaller } from './supplier-caller.js';
import { SupplierDirectory } from './supplier-directory.js';
import { expectOutcomeError } from '@lloyd/test-support';

/** Demo patients registered at the XML (P10001) and JSON (P20002) systems. */
const XML_PATIENT = '9990000018';
const JSON_PATIENT = '9990000026';

let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P10001: 0, P20002: 0 } });
});

afterAll(async () => {
  await sims?.close();
});

afterEach(async () => {
  await Promise.all(
    ['P10001', 'P20002'].map((ods) => fetch(`${sims.urls[ods as 'P10001']!}/_faults`, { method: 'DELETE' })),
  );
});

async function faults(ods: 'P10001' | 'P20002', settings: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sims.urls[ods]!}/_faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  expect(res.status).toBe(200);
}

async function failuresToCome(ods: 'P10001' | 'P20002'): Promise<number> {
  return ((await (await fetch(`${sims.urls[ods]!}/_faults`)).json()) as { failNext: number }).failNext;
}

/** A caller for both systems over real HTTP, with the resilience settings given. */
function caller(resilience: Record<string, number>, timeoutMs = 2_000): SupplierCaller {
  const config = configSchema.parse({
    suppliers: [
      { ods: 'P10001', name: 'XML', format: 'xml-readv2', baseUrl: sims.urls.P10001, timeoutMs },
      { ods: 'P20002', name: 'JSON', format: 'json-ctv3', baseUrl: sims.urls.P20002, timeoutMs },
    ],
    resilience: { retryInitialDelayMs: 10, ...resilience },
  });
  return new SupplierCaller(new SupplierDirectory(config.suppliers), config.resilience);
}

const findIn = (supplier: SupplierCaller, ods: 'P10001' | 'P20002', nhs: string) =>
  supplier.call(ods, (adapter, ctx) => adapter.findPatient(nhs, ctx));

describe('SupplierCaller over HTTP, against simulators with injected faults', () => {
  it('retries reads through a brief outage (two 503s) and answers', async () => {
    await faults('P10001', { failNext: 2, failStatus: 503 });
    const patient = await findIn(caller({ retries: 2 }), 'P10001', XML_PATIENT);
    expect(patient?.patient.identifier?.[0]?.value).toBe(XML_PATIENT);
    expect(await failuresToCome('P10001')).toBe(0);
  });

  it('opens the breaker after consecutive failures, stops calling the system, and closes once it recovers', async () => {
    const supplier = caller({ retries: 0, breakerThreshold: 3, breakerHalfOpenAfterMs: 300 });
    await faults('P10001', { failNext: 4, failStatus: 500 });
    for (let i = 0; i < 3; i++)
      expect((await expectOutcomeError(findIn(supplier, 'P10001', XML_PATIENT))).status).toBe(502);
    expect(supplier.breakerState('P10001')).toBe('open');
    const refused = await expectOutcomeError(findIn(supplier, 'P10001', XML_PATIENT));
    expect(refused.message).toMatch(/failed repeatedly/);
    // The refused call never reached the system: one injected failure is still waiting.
    expect(await failuresToCome('P10001')).toBe(1);
    // After the pause one probe goes through; it fails, so the breaker opens again.
    await new Promise((r) => setTimeout(r, 350));
    expect((await expectOutcomeError(findIn(supplier, 'P10001', XML_PATIENT))).status).toBe(502);
    expect(supplier.breakerState('P10001')).toBe('open');
    await new Promise((r) => setTimeout(r, 350));
    await expect(findIn(supplier, 'P10001', XML_PATIENT)).resolves.not.toBeNull();
    expect(supplier.breakerState('P10001')).toBe('closed');
  });

  it("keeps one slow system's calls in its own bulkhead, so another system is still served at once", async () => {
    const supplier = caller({ maxConcurrentPerSupplier: 1, maxQueuedPerSupplier: 0 }, 5_000);
    await faults('P10001', { latencyMs: 1_500 });
    const slow = findIn(supplier, 'P10001', XML_PATIENT);
    const full = await expectOutcomeError(findIn(supplier, 'P10001', XML_PATIENT));
    expect(full.status).toBe(503);
    const other = findIn(supplier, 'P20002', JSON_PATIENT);
    // The other system answers while the slow one's call is still waiting.
    const first = await Promise.race([other.then(() => 'other'), slow.then(() => 'slow')]);
    expect(first).toBe('other');
    await expect(other).resolves.not.toBeNull();
    await expect(slow).resolves.not.toBeNull();
  });

  it('answers 504 when the system is slower than its deadline', async () => {
    await faults('P20002', { latencyMs: 1_000 });
    expect((await expectOutcomeError(findIn(caller({}, 200), 'P20002', JSON_PATIENT))).status).toBe(504);
  });
});
