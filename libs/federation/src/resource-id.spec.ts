import { decodeResourceId, encodeResourceId, matchesSourceId } from './resource-id.js';

describe('resource ids', () => {
  it.each([
    ['the patient', ''],
    ['a short supplier id', 'allergy-17'],
    ['a GUID', '3F2504E0-4F89-11D3-9A0C-0305E82C3301'],
    ['unicode', 'probl\u00e8me-1'],
  ])('round-trips %s and stays a valid FHIR id', (_title, sourceId) => {
    const id = encodeResourceId({ ods: 'P10001', nhsNumber: '9990000018', sourceId });
    expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    const ref = decodeResourceId(id);
    expect(ref).toMatchObject({ ods: 'P10001', nhsNumber: '9990000018' });
    expect(matchesSourceId(ref!, sourceId)).toBe(true);
    expect(matchesSourceId(ref!, `${sourceId}x`)).toBe(false);
  });

  it('keeps NHS numbers with leading zeros', () => {
    expect(decodeResourceId(encodeResourceId({ ods: 'RX1', nhsNumber: '0123456789', sourceId: 'a' }))?.nhsNumber).toBe(
      '0123456789',
    );
  });

  it('digests supplier ids too long to carry, and still matches them', () => {
    const long = `obs-${'x'.repeat(80)}`;
    const id = encodeResourceId({ ods: 'P30003', nhsNumber: '9990000034', sourceId: long });
    expect(id.length).toBeLessThanOrEqual(64);
    const ref = decodeResourceId(id)!;
    expect(ref.digest).toBe(true);
    expect(matchesSourceId(ref, long)).toBe(true);
    expect(matchesSourceId(ref, `${long}y`)).toBe(false);
  });

  it('is stable: the same source gives the same id', () => {
    const ref = { ods: 'P20002', nhsNumber: '9990000026', sourceId: 'med-1' };
    expect(encodeResourceId(ref)).toBe(encodeResourceId({ ...ref }));
  });

  it.each([
    '',
    'not-an-id!',
    'AAAA',
    'a'.repeat(65),
    encodeResourceId({ ods: 'P10001', nhsNumber: '9990000018', sourceId: 'x' }).slice(0, 8),
  ])('rejects %p', (id) => {
    expect(decodeResourceId(id)).toBeNull();
  });
});
