import fc from 'fast-check';
import { deepFreeze, fhirJson } from './fhir-json.js';

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
