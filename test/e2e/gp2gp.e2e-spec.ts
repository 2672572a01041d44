import { generatePatients } from '../../apps/supplier-sim/src/generator/index.js';
import { WorkerModule } from '../../apps/transfer-worker/src/worker.module.js';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SEED = 20261123;
const SYSTEMS = ['P10001', 'P20002', 'P30003', 'P40004'] as const;
const FINAL = new Set(['completed', 'failed']);

interface TransferView {
  id: string;
  state: string;
  failure?: { code: string; reason: string };
  itemCount: number;
  degradedCount: number;
  timeline: { state: string; at: string }[];
}

/** Clinical resource counts by type in a structured record, the measure of "nothing lost, nothing duplicated". */
function clinicalCounts(bundle: fhir4.Bundle): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of bundle.entry ?? []) {
    const type = e.resource?.resourceType ?? '';
    if (
      [
        'AllergyIntolerance',
        'Condition',
        'MedicationStatement',
        'Immunization',
        'ServiceRequest',
        'DiagnosticReport',
      ].includes(type)
    ) {
      counts[type] = (counts[type] ?? 0) + 1;
    }
  }
  return counts;
}

describe('GP2GP transfers between every pair of supplier systems', () => {
  let lloyd: RunningLloyd;
  let broker: string;
  let clinician: string;
  // One synthetic patient per (from, to) pair, so every pair moves a different patient.
  const patients = Object.fromEntries(
    SYSTEMS.map((ods) => [ods, generatePatients(SEED, 4, ods).map((p) => p.demographics.nhsNumber)]),
  );

  beforeAll(async () => {
    lloyd = await startLloyd({
      mount: [WorkerModule],
      extraPatients: 4,
      overrides: {
        access: {
          practices: SYSTEMS.map((ods) => ({ ods, enabled: true, autoIntegrate: ods !== 'P40004' })),
          rateLimits: { defaultLimit: 100_000 },
        },
      },
    });
    broker = await lloyd.token('gp2gp-broker');
    clinician = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
  });
  afterAll(() => lloyd?.close());

  const structured = async (nhs: string) => {
    const res = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhs } },
          { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
          ...[
            'includeMedication',
            'includeProblems',
            'includeImmunisations',
            'includeInvestigations',
            'includeReferrals',
          ].map((name) => ({ name })),
        ],
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as fhir4.Bundle;
  };

  const start = async (nhsNumber: string, fromOds: string, toOds: string) => {
    const res = await fetch(`${lloyd.base}/gp2gp/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${broker}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber, fromOds, toOds }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(/\/gp2gp\/transfers\//);
    return ((await res.json()) as { id: string }).id;
  };

  const view = async (id: string) =>
    (await (
      await fetch(`${lloyd.base}/gp2gp/transfers/${id}`, { headers: { authorization: `Bearer ${broker}` } })
    ).json()) as TransferView;

  const settle = async (id: string, accept = true): Promise<TransferView> => {
    for (let i = 0; i < 300; i++) {
      const current = await view(id);
      if (FINAL.has(current.state)) return current;
      if (current.state === 'awaiting-acceptance' && accept) {
        await fetch(`${lloyd.base}/gp2gp/transfers/${id}/accept`, {
          method: 'POST',
          headers: { authorization: `Bearer ${broker}` },
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`transfer ${id} did not finish: ${JSON.stringify(await view(id))}`);
  };

  const pairs = SYSTEMS.flatMap((from, i) =>
    SYSTEMS.filter((to) => to !== from).map((to, j) => [from, to, i, j] as const),
  );

  it.each(pairs)(
    'moves a patient from %s to %s, readable at the new practice with every item',
    async (from, to, _i, j) => {
      const nhs = patients[from]![j]!;
      const before = clinicalCounts(await structured(nhs));
      const id = await start(nhs, from, to);
      const done = await settle(id);
      expect({ state: done.state, failure: done.failure }).toEqual({ state: 'completed', failure: undefined });
      expect(done.timeline.map((t) => t.state)).toEqual(
        expect.arrayContaining(['requested', 'translated', 'delivered', 'acknowledged', 'completed']),
      );
      const after = await structured(nhs);
      const practice = (after.entry ?? [])
        .map((e) => e.resource)
        .find((r): r is fhir4.Organization => r?.resourceType === 'Organization');
      expect(practice?.identifier?.some((i) => i.value === to)).toBe(true);
      expect(clinicalCounts(after)).toEqual(before);
      const note = (await (
        await fetch(`${lloyd.base}/gp2gp/transfers/${id}/integration-note`, {
          headers: { authorization: `Bearer ${broker}` },
        })
      ).json()) as { status: string; items: { sourceId: string; outcome: string }[] };
      expect(note.status).toBe('integrated');
      expect(note.items.length).toBeGreaterThan(0);
      expect(note.items.every((i) => ['integrated', 'degraded', 'not-integrated'].includes(i.outcome))).toBe(true);
    },
  );

  // Each full-record demo patient travels a ring of transfers from its home practice; together the rings cover all 12
  // directed pairs, and the record must arrive whole at every hop.
  it.each([
    ['9990000018', ['P10001', 'P20002', 'P30003', 'P40004', 'P10001']],
    ['9990000026', ['P20002', 'P10001', 'P40004', 'P30003', 'P20002']],
    ['9990000034', ['P30003', 'P10001', 'P30003']],
    ['9990000042', ['P40004', 'P20002', 'P40004']],
  ] as const)('moves demo patient %s round %j, whole at every hop', async (nhs, ring) => {
    const original = clinicalCounts(await structured(nhs));
    expect(Object.keys(original).length).toBeGreaterThanOrEqual(5);
    for (let hop = 1; hop < ring.length; hop++) {
      const done = await settle(await start(nhs, ring[hop - 1]!, ring[hop]!));
      expect({ hop: `${ring[hop - 1]!}->${ring[hop]!}`, state: done.state, failure: done.failure }).toEqual({
        hop: `${ring[hop - 1]!}->${ring[hop]!}`,
        state: 'completed',
        failure: undefined,
      });
      expect({ hop, counts: clinicalCounts(await structured(nhs)) }).toEqual({ hop, counts: original });
    }
  });

  it('warns data-in-transit on every list while a transfer is under way, and not after', async () => {
    const nhs = patients['P10001']![3]!;
    const warned = (bundle: fhir4.Bundle) =>
      (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is fhir4.List => r?.resourceType === 'List')
        .map((l) => Boolean(l.extension?.some((e) => e.valueCode === 'data-in-transit')));
    expect(warned(await structured(nhs)).every((w) => !w)).toBe(true);
    // P40004 does not integrate automatically: the transfer waits there for a clinician's acceptance.
    const id = await start(nhs, 'P10001', 'P40004');
    for (let i = 0; i < 200 && (await view(id)).state !== 'awaiting-acceptance'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await view(id)).state).toBe('awaiting-acceptance');
    const during = warned(await structured(nhs));
    expect(during.length).toBeGreaterThan(0);
    expect(during.every(Boolean)).toBe(true);
    expect((await settle(id)).state).toBe('completed');
    expect(warned(await structured(nhs)).every((w) => !w)).toBe(true);
  });

  it('reports the integrations in the management information, as JSON and CSV', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await fetch(`${lloyd.base}/gp2gp/reports/integrations?from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${broker}` },
    });
    expect(res.status).toBe(200);
    const text = JSON.stringify(await res.json());
    for (const ods of SYSTEMS) expect(text).toContain(ods);
    const csv = await fetch(`${lloyd.base}/gp2gp/reports/integrations?from=${today}&to=${today}&format=csv`, {
      headers: { authorization: `Bearer ${broker}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
  });

  it('refuses a transfer from a practice the patient is not registered at', async () => {
    const res = await fetch(`${lloyd.base}/gp2gp/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${broker}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber: '9990000093', fromOds: 'P20002', toOds: 'P10001' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });
});
