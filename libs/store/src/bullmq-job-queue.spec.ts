import fc from 'fast-check';
import { fromBullJobId, toBullJobId } from './bullmq-job-queue.js';

describe('BullMQ job id mapping', () => {
  it('produces ids BullMQ accepts (no ":", not an integer) and maps them back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (id) => {
        const bull = toBullJobId(id);
        expect(bull).not.toContain(':');
        expect(`${parseInt(bull, 10)}`).not.toBe(bull);
        expect(fromBullJobId(bull)).toBe(id);
      }),
    );
    for (const id of ['42', '0', 'a:b:c', '%3A', '#1', 'transfer:9000000009']) {
      expect(fromBullJobId(toBullJobId(id))).toBe(id);
    }
  });

  it('keeps distinct ids distinct', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(toBullJobId(a)).not.toBe(toBullJobId(b));
      }),
    );
    expect(toBullJobId('a:b')).not.toBe(toBullJobId('a%3Ab'));
    expect(toBullJobId('1')).not.toBe(toBullJobId('#1'));
  });

  it('passes BullMQ-generated numeric ids through', () => {
    expect(fromBullJobId('17')).toBe('17');
  });
});
