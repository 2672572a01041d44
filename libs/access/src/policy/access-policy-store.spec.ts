import type { SharingAgreement } from '@lloyd/config';
import type { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { demoConfig, NOW, TestClock, tokenFor, withAccess } from '../testing/fixtures.js';
import { AccessChain } from '../access-chain.js';
import { metrics } from '../testing/fixtures.js';
import { AccessPolicyStore } from './access-policy-store.js';
import { expectOutcomeError } from '@lloyd/test-support';

const BY = 'admin@X26';

function issues(error: OperationOutcomeError) {
  return error.outcome.issue.map((i) => ({ code: i.details?.coding?.[0]?.code, expression: i.expression?.[0] }));
}

/** A new agreement body as an administrator would POST it. */
function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'community-nursing',
    description: 'District nurses see medications',
    dataControllers: ['P10001'],
    consumer: { ods: 'RY9' },
    sections: ['medications'],
    validFrom: '2026-01-01',
    ...overrides,
  };
}

describe('AccessPolicyStore', () => {
  let kv: InMemoryKeyValueStore;
  let clock: TestClock;
  let store: AccessPolicyStore;

  beforeEach(async () => {
    kv = new InMemoryKeyValueStore();
    clock = new TestClock();
    store = new AccessPolicyStore(demoConfig(), kv, clock.now);
    await store.onModuleInit();
  });

  it('is seeded from config, and a replica starting with other config keeps what is stored', async () => {
    expect((await store.listAgreements()).map((a) => a.id)).toEqual(['demo-hospital-all', 'demo-social-care']);
    expect((await store.listPractices()).map((p) => p.ods)).toEqual(['P10001', 'P20002', 'P30003', 'P40004']);
    const replica = new AccessPolicyStore(withAccess(demoConfig(), { agreements: [] }), kv, clock.now);
    await replica.onModuleInit();
    expect((await replica.listAgreements()).map((a) => a.id)).toEqual(['demo-hospital-all', 'demo-social-care']);
  });

  describe('when the configuration differs from the stored policy', () => {
    const warnings = () => {
      const calls: [unknown, string][] = [];
      return { calls, logger: { warn: (obj: object, msg: string) => void calls.push([obj, msg]) } };
    };

    it('warns once at start, naming each practice and agreement that differs, and keeps what is stored', async () => {
      await store.createAgreement(body(), BY);
      const config = demoConfig();
      const edited = withAccess(config, {
        practices: config.access.practices.map((p) => (p.ods === 'P20002' ? { ...p, enabled: false } : p)),
        agreements: [
          ...config.access.agreements.filter((a) => a.id !== 'demo-social-care'),
          { ...body({ id: 'new-in-config', consumer: { ods: 'RY8' } }), emergencyAccess: false, description: '' },
        ] as SharingAgreement[],
      });
      const { calls, logger } = warnings();
      const restarted = new AccessPolicyStore(edited, kv, clock.now, logger);
      await restarted.onModuleInit();
      expect(calls).toHaveLength(1);
      const [fields, message] = calls[0]!;
      expect(message).toMatch(/^The sharing policy in the store differs from the access block of the configuration \(/);
      expect(message).toContain('practices set differently: P20002');
      expect(message).toContain('agreements only in the configuration: new-in-config');
      expect(message).toContain('agreements only in the store: demo-social-care, community-nursing');
      expect(message).toMatch(/after the first start the store is the source of truth/);
      expect(message).toMatch(/admin API \(PUT \/admin\/practices\/\{ods\}, POST \/admin\/agreements/);
      expect(message).toMatch(/delete the store key access:policy/);
      expect(fields).toEqual({
        policyDrift: {
          practices: { onlyInConfig: [], onlyInStore: [], changed: ['P20002'] },
          agreements: {
            onlyInConfig: ['new-in-config'],
            onlyInStore: ['demo-social-care', 'community-nursing'],
            changed: [],
          },
        },
      });
      expect((await restarted.listPractices()).find((p) => p.ods === 'P20002')?.enabled).toBe(true);
      expect((await restarted.listAgreements()).map((a) => a.id)).toContain('community-nursing');
    });

    it('names the Redis key to delete when the store is Redis', async () => {
      const config = demoConfig();
      const onRedis = withAccess(
        { ...config, store: { ...config.store, redisUrl: 'redis://127.0.0.1:6379', keyPrefix: 'site:' } },
        { practices: [] },
      );
      const { calls, logger } = warnings();
      await new AccessPolicyStore(onRedis, kv, clock.now, logger).onModuleInit();
      expect(calls[0]?.[1]).toMatch(/practices only in the store: P10001, P20002, P30003, P40004\b/);
      expect(calls[0]?.[1]).toMatch(/delete the store key site:kv:access:policy /);
    });

    it('says nothing on the first start, or when the configuration matches what is stored', async () => {
      const { calls, logger } = warnings();
      await new AccessPolicyStore(demoConfig(), new InMemoryKeyValueStore(), clock.now, logger).onModuleInit();
      await new AccessPolicyStore(demoConfig(), kv, clock.now, logger).onModuleInit();
      expect(calls).toEqual([]);
    });
  });

  it('reads one agreement, and answers NO_RECORD_FOUND for an unknown id', async () => {
    await expect(store.getAgreement('demo-social-care')).resolves.toMatchObject({ consumer: { ods: 'SC100' } });
    const error = await expectOutcomeError(store.getAgreement('nope'));
    expect([error.status, error.spineCode]).toEqual([404, 'NO_RECORD_FOUND']);
  });

  it('creates an agreement that the access chain then uses, with defaults applied and history kept', async () => {
    const created = await store.createAgreement(body(), BY);
    expect(created.value).toEqual({ ...body(), emergencyAccess: false });
    const chain = new AccessChain(store, metrics());
    const decision = await chain.decideOrganisation({
      token: tokenFor('hospital-epr', { organisation: 'RY9' }),
      practiceOds: 'P10001',
      requestedSections: ['medications'],
      now: NOW,
    });
    expect(decision.agreementId).toBe('community-nursing');
    expect(await store.history()).toEqual([
      { at: NOW.toISOString(), by: BY, action: 'create-agreement', value: created.value },
    ]);
  });

  it.each<[string, Record<string, unknown>, { code: string; expression: string }[]]>([
    [
      'an unknown section',
      body({ sections: ['medications', 'allergies', 'hobbies'] }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.sections[2]' }],
    ],
    [
      'an unknown practice',
      body({ dataControllers: ['P10001', 'P77777'] }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.dataControllers[1]' }],
    ],
    [
      'a bad ODS code',
      body({ consumer: { ods: 'ry9' } }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.consumer.ods' }],
    ],
    [
      'a consumer naming both forms',
      body({ consumer: { ods: 'RY9', organisationType: 'x' } }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.consumer' }],
    ],
    ['an empty consumer', body({ consumer: {} }), [{ code: 'INVALID_RESOURCE', expression: 'agreement.consumer' }]],
    [
      'an impossible date',
      body({ validFrom: '2026-02-30' }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.validFrom' }],
    ],
    [
      'an end before the start',
      body({ validTo: '2025-01-01' }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.validTo' }],
    ],
    [
      'a misspelt field',
      body({ valid_to: '2027-01-01' }),
      [{ code: 'INVALID_RESOURCE', expression: 'agreement.valid_to' }],
    ],
    ['no sections', body({ sections: [] }), [{ code: 'INVALID_RESOURCE', expression: 'agreement.sections' }]],
    [
      'two bad fields at once',
      body({ id: 'bad id!', sections: ['x'] }),
      [
        { code: 'INVALID_RESOURCE', expression: 'agreement.id' },
        { code: 'INVALID_RESOURCE', expression: 'agreement.sections[0]' },
      ],
    ],
  ])('refuses %s with 422 naming the field', async (_name, input, expected) => {
    const error = await expectOutcomeError(store.createAgreement(input, BY));
    expect(error.status).toBe(422);
    expect(issues(error)).toEqual(expected);
    expect(await store.listAgreements()).toHaveLength(2);
  });

  it('explains an unknown section with the allowed ones', async () => {
    const error = await expectOutcomeError(store.createAgreement(body({ sections: ['hobbies'] }), BY));
    expect(error.outcome.issue[0]?.diagnostics).toMatch(
      /^agreement\.sections\[0\]: "hobbies" is not a record section; use one of allergies, /,
    );
  });

  it('says how to make an unknown practice known', async () => {
    const error = await expectOutcomeError(store.createAgreement(body({ dataControllers: ['P77777'] }), BY));
    expect(error.outcome.issue[0]?.diagnostics).toMatch(
      /practice P77777 is unknown to Lloyd .* add the practice's supplier system to the configuration \(suppliers\) and restart/,
    );
  });

  it('refuses an agreement whose validity overlaps another for the same consumer and data controller', async () => {
    const error = await expectOutcomeError(
      store.createAgreement(
        body({ id: 'second-rx1', consumer: { ods: 'RX1' }, dataControllers: ['P20002'], validFrom: '2026-06-01' }),
        BY,
      ),
    );
    expect(error.status).toBe(422);
    expect(error.outcome.issue[0]?.expression).toEqual(['agreement.validFrom', 'agreement.validTo']);
    expect(error.outcome.issue[0]?.diagnostics).toMatch(
      /overlaps agreement demo-hospital-all \(2024-01-01 to open-ended\) for the same consumer \(organisation RX1\) and data controller P20002\. End demo-hospital-all first/,
    );
  });

  it.each<[string, Record<string, unknown>]>([
    ['another consumer', { consumer: { ods: 'RY9' } }],
    ['a consumer type no agreement covers', { consumer: { organisationType: 'community-trust' } }],
  ])('accepts agreements that do not overlap: %s', async (_name, overrides) => {
    await expect(store.createAgreement(body(overrides), BY)).resolves.toMatchObject({ changed: true });
  });

  it('refuses an agreement for a type that covers an organisation another agreement names, and the reverse', async () => {
    // RX1 is an acute trust (access.organisationTypes), and demo-hospital-all names RX1 for P10001.
    const byType = await expectOutcomeError(
      store.createAgreement(body({ id: 'acute-type', consumer: { organisationType: 'acute-trust' } }), BY),
    );
    expect(byType.status).toBe(422);
    expect(byType.outcome.issue[0]?.diagnostics).toMatch(
      /overlaps agreement demo-hospital-all .* for consumers that overlap \(organisations of type acute-trust; organisation RX1 in agreement demo-hospital-all\) and data controller P10001\./,
    );
    // Once RX1's agreement has ended, the type may have its own; then RZZ, an acute trust too, overlaps that.
    await store.endAgreement('demo-hospital-all', BY);
    const later = { validFrom: '2030-01-01', dataControllers: ['P40004'] };
    await store.createAgreement(
      body({ id: 'acute-p40004', consumer: { organisationType: 'acute-trust' }, ...later }),
      BY,
    );
    const byName = await expectOutcomeError(
      store.createAgreement(body({ id: 'rzz-p40004', consumer: { ods: 'RZZ' }, ...later }), BY),
    );
    expect(byName.outcome.issue[0]?.diagnostics).toMatch(/overlaps agreement acute-p40004 /);
  });

  it('accepts the same consumer at the same time for another data controller', async () => {
    await store.createAgreement(body({ id: 'nursing-p1', dataControllers: ['P10001'] }), BY);
    await expect(
      store.createAgreement(body({ id: 'nursing-p2', dataControllers: ['P20002'] }), BY),
    ).resolves.toMatchObject({
      changed: true,
    });
    const error = await expectOutcomeError(
      store.createAgreement(body({ id: 'nursing-both', dataControllers: ['P20002', 'P30003'] }), BY),
    );
    expect(error.outcome.issue[0]?.diagnostics).toMatch(/overlaps agreement nursing-p2 .* data controller P20002\./);
  });

  it('accepts a successor that starts the day the ended agreement stops', async () => {
    await store.endAgreement('demo-social-care', BY);
    const successor = body({
      id: 'social-care-2',
      consumer: { ods: 'SC100' },
      validFrom: '2026-03-02',
      dataControllers: ['P10001'],
    });
    await expect(store.createAgreement(successor, BY)).resolves.toMatchObject({ changed: true });
  });

  it('refuses a duplicate id with 409', async () => {
    const error = await expectOutcomeError(store.createAgreement(body({ id: 'demo-social-care' }), BY));
    expect([error.status, error.spineCode]).toEqual([409, 'DUPLICATE_REJECTED']);
  });

  it('updates an agreement (not conflicting with itself), and refuses a body for another id', async () => {
    const current = await store.getAgreement('demo-social-care');
    const { id: _id, ...rest } = current;
    const updated = await store.updateAgreement('demo-social-care', { ...rest, sections: ['allergies'] }, BY);
    expect(updated.value.sections).toEqual(['allergies']);
    expect(updated.previous?.sections).toEqual(['allergies', 'medications', 'problems']);
    const mismatch = await expectOutcomeError(
      store.updateAgreement('demo-social-care', { ...current, id: 'other' }, BY),
    );
    expect([mismatch.status, mismatch.outcome.issue[0]?.expression]).toEqual([422, ['agreement.id']]);
    expect((await expectOutcomeError(store.updateAgreement('missing', body({ id: 'missing' }), BY))).status).toBe(404);
  });

  it('ends an agreement today, keeps it, and stops access at once', async () => {
    const ended = await store.endAgreement('demo-social-care', BY);
    expect(ended).toMatchObject({ changed: true, value: { id: 'demo-social-care', validTo: '2026-03-02' } });
    expect((await store.listAgreements()).map((a) => a.id)).toContain('demo-social-care');
    const chain = new AccessChain(store, metrics());
    const denial = await expectOutcomeError(
      chain.decideOrganisation({
        token: tokenFor('social-care'),
        practiceOds: 'P10001',
        requestedSections: ['allergies'],
        now: NOW,
      }),
    );
    expect(denial.spineCode).toBe('NO_ORGANISATION_CONSENT');
    await expect(store.endAgreement('demo-social-care', BY)).resolves.toMatchObject({ changed: false });
    expect((await store.history()).map((c) => c.action)).toEqual(['end-agreement']);
  });

  it('ends a future agreement before it ever applies', async () => {
    await store.createAgreement(body({ validFrom: '2026-09-01' }), BY);
    const ended = await store.endAgreement('community-nursing', BY);
    expect(ended.value).toMatchObject({ validFrom: '2026-09-01', validTo: '2026-09-01' });
  });

  describe('practice settings', () => {
    it('updates a known practice and creates one that is a configured supplier', async () => {
      const updated = await store.putPractice('P10001', { enabled: true, disabledSections: ['documents'] }, BY);
      expect(updated).toMatchObject({
        created: false,
        value: { ods: 'P10001', disabledSections: ['documents'], autoIntegrate: false },
      });
      const config = demoConfig();
      const withSupplier = new AccessPolicyStore(
        withAccess(
          { ...config, suppliers: [...config.suppliers, { ...config.suppliers[0]!, ods: 'P50005' }] },
          { practices: [] },
        ),
        new InMemoryKeyValueStore(),
        clock.now,
      );
      await expect(withSupplier.putPractice('P50005', { enabled: false }, BY)).resolves.toMatchObject({
        created: true,
      });
    });

    it.each<[string, string, unknown, string]>([
      ['an unknown practice', 'P77777', { enabled: true }, 'practice.ods'],
      ['an ODS code in the body that contradicts the URL', 'P10001', { ods: 'P20002' }, 'practice.ods'],
      ['an unknown section', 'P10001', { disabledSections: ['hobbies'] }, 'practice.disabledSections[0]'],
      ['a non-boolean switch', 'P10001', { enabled: 'yes' }, 'practice.enabled'],
      ['a misspelt field', 'P10001', { enable: false }, 'practice.enable'],
    ])('refuses %s with 422 naming the field', async (_name, ods, input, expression) => {
      const error = await expectOutcomeError(store.putPractice(ods, input, BY));
      expect(error.status).toBe(422);
      expect(error.outcome.issue[0]?.expression).toEqual([expression]);
    });
  });

  describe('across replicas', () => {
    it('serves a brief cache, then sees another replica change', async () => {
      const replica = new AccessPolicyStore(demoConfig(), kv, clock.now);
      expect((await replica.snapshot()).agreements).toHaveLength(2);
      await store.createAgreement(body(), BY);
      expect((await store.snapshot()).agreements).toHaveLength(3);
      expect((await replica.snapshot()).agreements).toHaveLength(2);
      clock.advance(1001);
      expect((await replica.snapshot()).agreements).toHaveLength(3);
    });

    it('lets only one of two concurrent overlapping agreements in', async () => {
      const replica = new AccessPolicyStore(demoConfig(), kv, clock.now);
      const results = await Promise.allSettled([
        store.createAgreement(body({ id: 'first' }), BY),
        replica.createAgreement(body({ id: 'second' }), BY),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect((rejected?.reason as OperationOutcomeError).status).toBe(422);
      const ids = (await store.listAgreements()).map((a: SharingAgreement) => a.id);
      expect(ids.filter((id) => id === 'first' || id === 'second')).toHaveLength(1);
    });

    it('refuses to use a corrupted stored policy rather than guess', async () => {
      await kv.set('access:policy', JSON.stringify({ version: 2, agreements: [{ id: 'x' }], practices: [] }));
      clock.advance(5000);
      await expect(store.snapshot()).rejects.toThrow(/malformed at agreements\.0/);
    });
  });
});
