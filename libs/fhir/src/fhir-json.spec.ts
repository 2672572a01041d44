import fc from 'fast-check';
import { deepFreeze, fhirJson, keepJson, keepJsonRun } from './fhir-json.js';

const resource = fc.record({
  resourceType: fc.constantFrom('Condition', 'Patient', 'List'),
  id: fc.string(),
  extra: fc.jsonValue(),
});

/** Bundles whose entries mix frozen and fresh resources, odd members and odd entries. */
const bundle = fc.record(
  {
    resourceType: fc.constant('Bundle'),
    type: fc.constantFrom('collection', 'searchset'),
    meta: fc.jsonValue(),
    entry: fc.array(
      fc.oneof(
        fc.record(
          { fullUrl: fc.string(), resource: fc.tuple(resource, fc.boolean()).map(([r, f]) => (f ? deepFreeze(r) : r)) },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
        fc.constant(undefined),
      ),
    ),
    total: fc.oneof(fc.integer(), fc.constant(undefined)),
  },
  { requiredKeys: ['resourceType', 'entry'] },
);

const entityLike = fc.dictionary(fc.string(), fc.jsonValue());

/**
 * Entity lists: kept runs whole, cut short or shuffled (so a run's first item may stand without the rest), kept and
 * fresh entities, and odd elements.
 */
const entities = fc
  .array(
    fc.oneof(
      fc
        .tuple(fc.array(entityLike, { minLength: 1, maxLength: 5 }), fc.constantFrom('whole', 'cut', 'reversed'))
        .map(([items, how]) => {
          const run = [...keepJsonRun(items)];
          return how === 'whole' ? run : how === 'cut' ? run.slice(0, -1) : run.reverse();
        }),
      fc.tuple(entityLike, fc.boolean()).map(([e, kept]) => [kept ? keepJson(e) : e]),
      fc.jsonValue().map((v) => [v]),
      fc.constant([undefined]),
    ),
  )
  .map((segments) => segments.flat());

/** AuditEvents whose entities mix kept (frozen, JSON written once) and fresh ones, and odd elements. */
const auditEvent = fc.record(
  {
    resourceType: fc.constant('AuditEvent'),
    recorded: fc.string(),
    entity: entities,
    extension: fc.jsonValue(),
  },
  { requiredKeys: ['resourceType', 'entity'] },
);

describe('deepFreeze', () => {
  it('freezes nested objects and arrays, and leaves primitives alone', () => {
    const value = deepFreeze({ a: [{ b: 1 }], c: 'x' });
    expect(Object.isFrozen(value.a[0])).toBe(true);
    expect(deepFreeze(3)).toBe(3);
  });
});

describe('fhirJson', () => {
  it('writes exactly what JSON.stringify writes, for any Bundle and any other value', () => {
    fc.assert(
      fc.property(bundle, (b) => {
        expect(fhirJson(b)).toBe(JSON.stringify(b));
        // Twice: the second time frozen resources come from their kept JSON.
        expect(fhirJson(b)).toBe(JSON.stringify(b));
      }),
    );
    fc.assert(fc.property(fc.jsonValue(), (v) => expect(fhirJson(v)).toBe(JSON.stringify(v))));
  });

  it('writes exactly what JSON.stringify writes for any AuditEvent, its kept entities from their kept JSON', () => {
    fc.assert(
      fc.property(auditEvent, (event) => {
        expect(fhirJson(event)).toBe(JSON.stringify(event));
        expect(fhirJson(event)).toBe(JSON.stringify(event));
      }),
    );
  });

  it('keeps an entity whole: frozen throughout, and its JSON written once', () => {
    let reads = 0;
    const entity = keepJson({
      what: { reference: 'Condition/c1' },
      get role() {
        reads++;
        return { code: '4' };
      },
    });
    expect(Object.isFrozen(entity.what)).toBe(true);
    const event = { resourceType: 'AuditEvent', entity: [entity, { what: { reference: 'Patient/p1' } }] };
    const expected =
      '{"resourceType":"AuditEvent","entity":[{"what":{"reference":"Condition/c1"},"role":{"code":"4"}},{"what":{"reference":"Patient/p1"}}]}';
    const readsWhenKept = reads;
    expect(fhirJson(event)).toBe(expected);
    expect(reads).toBe(readsWhenKept + 1);
    expect(fhirJson(event)).toBe(expected);
    expect(fhirJson(event)).toBe(expected);
    expect(reads).toBe(readsWhenKept + 1);
  });

  it('writes a kept run of entities from its joined JSON wherever the whole run appears in order', () => {
    let reads = 0;
    const counted = (reference: string) => ({
      what: { reference },
      get role() {
        reads++;
        return { code: '4' };
      },
    });
    const run = keepJsonRun([counted('Condition/a'), counted('Condition/b')]);
    const head = { what: { reference: 'Patient/p1' } };
    const readsWhenKept = reads;
    const whole = { resourceType: 'AuditEvent', entity: [head, ...run, head] };
    expect(fhirJson(whole)).toBe(JSON.stringify(whole));
    expect(fhirJson(whole)).toBe(JSON.stringify(whole));
    // JSON.stringify read each getter once per call; the run was written from its kept JSON both times.
    expect(reads).toBe(readsWhenKept + 4);
    // Part of a run, or out of order: written item by item, from each item's kept JSON, still exactly right.
    for (const entity of [[run[0]], [run[1], run[0]], [run[0], head, run[1]]]) {
      const event = { resourceType: 'AuditEvent', entity };
      expect(fhirJson(event)).toBe(JSON.stringify(event));
    }
  });

  it('leaves out undefined and function members, and honours toJSON, as JSON.stringify does', () => {
    const odd = {
      resourceType: 'Bundle',
      skipped: undefined,
      fn: () => 1,
      when: new Date(0),
      entry: [
        { resource: { resourceType: 'Basic', at: new Date(0) }, dropped: undefined },
        { toJSON: () => 'e' },
        null,
      ],
    };
    expect(fhirJson(odd)).toBe(JSON.stringify(odd));
  });

  it('writes a frozen resource once and reuses its JSON', () => {
    let reads = 0;
    const held = deepFreeze({
      resourceType: 'Condition',
      get code() {
        reads++;
        return 'x';
      },
    });
    const readsWhenFrozen = reads;
    const answer = { resourceType: 'Bundle', entry: [{ resource: held }] };
    expect(fhirJson(answer)).toBe(
      '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","code":"x"}}]}',
    );
    expect(fhirJson(answer)).toBe(fhirJson(answer));
    expect(reads - readsWhenFrozen).toBe(1);
  });

  it('serialises a resource that is not frozen afresh every time', () => {
    const fresh = { resourceType: 'Condition', code: 'a' };
    const answer = { resourceType: 'Bundle', entry: [{ resource: fresh }] };
    expect(fhirJson(answer)).toContain('"code":"a"');
    fresh.code = 'b';
    expect(fhirJson(answer)).toContain('"code":"b"');
  });
});
