import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { matchesSourceId, ResourceIdCodec } from './resource-id.js';

const ids = new ResourceIdCodec(randomBytes(32));
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The bytes an id carries, as base64url would give them back. */
const bytesOf = (id: string) => Buffer.from(id.replace(/\./g, '_'), 'base64url');

const ref = fc.record({
  ods: fc.stringMatching(/^[A-Z0-9]{3,10}$/),
  nhsNumber: fc.stringMatching(/^\d{10}$/),
  sourceId: fc.oneof(fc.constant(''), fc.uuid(), fc.string({ minLength: 1, maxLength: 120 })),
});

describe('resource ids', () => {
  it.each([
    ['the patient', ''],
    ['a short supplier id', 'allergy-17'],
    ['a GUID', '3F2504E0-4F89-11D3-9A0C-0305E82C3301'],
    ['unicode', 'probl\u00e8me-1'],
  ])('round-trips %s and stays a valid FHIR id', (_title, sourceId) => {
    const id = ids.encode({ ods: 'P10001', nhsNumber: '9990000018', sourceId });
    expect(id).toMatch(FHIR_ID);
    const decoded = ids.decode(id);
    expect(decoded).toMatchObject({ ods: 'P10001', nhsNumber: '9990000018' });
    expect(matchesSourceId(decoded!, sourceId)).toBe(true);
    expect(matchesSourceId(decoded!, `${sourceId}x`)).toBe(false);
  });

  it('round-trips any reference within FHIR id rules (long supplier ids as digests)', () => {
    fc.assert(
      fc.property(ref, (r) => {
        const id = ids.encode(r);
        expect(id).toMatch(FHIR_ID);
        const decoded = ids.decode(id)!;
        expect({ ods: decoded.ods, nhsNumber: decoded.nhsNumber }).toEqual({ ods: r.ods, nhsNumber: r.nhsNumber });
        expect(matchesSourceId(decoded, r.sourceId)).toBe(true);
        expect(decoded.sourceId === '').toBe(r.sourceId === '');
      }),
    );
  });

  it('keeps NHS numbers with leading zeros', () => {
    expect(ids.decode(ids.encode({ ods: 'RX1', nhsNumber: '0123456789', sourceId: 'a' }))?.nhsNumber).toBe(
      '0123456789',
    );
  });

  it('digests supplier ids too long to carry, and still matches them', () => {
    const long = `obs-${'x'.repeat(80)}`;
    const id = ids.encode({ ods: 'P30003', nhsNumber: '9990000034', sourceId: long });
    expect(id.length).toBeLessThanOrEqual(64);
    const decoded = ids.decode(id)!;
    expect(decoded.digest).toBe(true);
    expect(matchesSourceId(decoded, long)).toBe(true);
    expect(matchesSourceId(decoded, `${long}y`)).toBe(false);
  });

  it('is stable: the same source gives the same id, also from another codec with the same key', () => {
    const key = randomBytes(32);
    const source = { ods: 'P20002', nhsNumber: '9990000026', sourceId: 'med-1' };
    expect(new ResourceIdCodec(key).encode(source)).toBe(new ResourceIdCodec(key).encode({ ...source }));
  });

  it('reveals nothing it carries: no NHS number, ODS code or supplier id in the id or its bytes', () => {
    const source = { ods: 'P10001', nhsNumber: '9990000018', sourceId: 'allergy-17' };
    const id = ids.encode(source);
    const bytes = bytesOf(id);
    for (const plain of [source.ods, source.nhsNumber, source.sourceId]) {
      expect(id).not.toContain(plain);
      expect(bytes.includes(Buffer.from(plain))).toBe(false);
    }
    // The NHS number as packed (40 bits, big-endian) is not there either.
    const packed = Buffer.alloc(5);
    packed.writeUIntBE(Number(source.nhsNumber), 0, 5);
    expect(bytes.includes(packed)).toBe(false);
    // Two patients of one practice share no visible prefix beyond the format byte.
    const other = ids.encode({ ...source, nhsNumber: '9990000026' });
    expect(bytesOf(other).subarray(1, 4).equals(bytes.subarray(1, 4))).toBe(false);
  });

  it('opens only ids made under its own key', () => {
    const id = ids.encode({ ods: 'P10001', nhsNumber: '9990000018', sourceId: 'x' });
    expect(new ResourceIdCodec(randomBytes(32)).decode(id)).toBeNull();
  });

  it('refuses any id that was edited, one character or one bit at a time', () => {
    const id = ids.encode({ ods: 'P10001', nhsNumber: '9990000018', sourceId: 'allergy-17' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.';
    for (let i = 0; i < id.length; i++) {
      const changed = alphabet[(alphabet.indexOf(id[i]!) + 1) % alphabet.length]!;
      expect(ids.decode(id.slice(0, i) + changed + id.slice(i + 1))).toBeNull();
    }
    const bytes = bytesOf(id);
    for (let bit = 8; bit < bytes.length * 8; bit++) {
      const flipped = Buffer.from(bytes);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(ids.decode(flipped.toString('base64url').replace(/_/g, '.'))).toBeNull();
    }
  });

  it('refuses the ids of the earlier, unsealed format', () => {
    // Format 1 packed the reference in the clear: version 1, ODS length, ODS, NHS number, kind 0 (the patient).
    const head = Buffer.from([1, 6, ...Buffer.from('P10001'), 0, 0, 0, 0, 0, 0]);
    head.writeUIntBE(9990000018, 8, 5);
    expect(ids.decode(head.toString('base64url').replace(/_/g, '.'))).toBeNull();
  });

  it('needs a key of at least 32 bytes', () => {
    expect(() => new ResourceIdCodec(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new ResourceIdCodec(randomBytes(32)).rekey(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('makes and opens the ids of another key once rekeyed, and no longer those of the old one', () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const codec = new ResourceIdCodec(oldKey);
    const source = { ods: 'P10001', nhsNumber: '9990000018', sourceId: 'cond-1' };
    const before = codec.encode(source);
    codec.rekey(newKey);
    const after = codec.encode(source);
    expect(after).toBe(new ResourceIdCodec(newKey).encode(source));
    expect(codec.decode(after)).toEqual(source);
    expect(codec.decode(before)).toBeNull();
  });

  it.each(['', 'not-an-id!', 'AAAA', 'a'.repeat(65)])('rejects %p', (id) => {
    expect(ids.decode(id)).toBeNull();
  });

  it('rejects an id cut short', () => {
    expect(ids.decode(ids.encode({ ods: 'P10001', nhsNumber: '9990000018', sourceId: 'x' }).slice(0, 20))).toBeNull();
  });
});
