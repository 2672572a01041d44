import fc from 'fast-check';
import { ERROR_LOG_INTERVAL_MS, fromBullJobId, ThrottledErrors, toBullJobId } from './bullmq-job-queue.js';

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

describe('ThrottledErrors', () => {
  it('logs a source once per interval during an outage, then says how many it left out', () => {
    let clock = 0;
    const logged: string[] = [];
    const errors = new ThrottledErrors({ error: (message: string) => logged.push(message) }, () => clock);
    for (let i = 0; i < 200; i++) {
      errors.report('Worker for "gp2gp.request" failed', new Error('connect ECONNREFUSED 127.0.0.1:6399'));
      errors.report('Queue "gp2gp.request" failed', new Error('connect ECONNREFUSED 127.0.0.1:6399'));
      clock += 200;
    }
    expect(logged).toEqual([
      'Worker for "gp2gp.request" failed: connect ECONNREFUSED 127.0.0.1:6399',
      'Queue "gp2gp.request" failed: connect ECONNREFUSED 127.0.0.1:6399',
    ]);
    clock += ERROR_LOG_INTERVAL_MS;
    errors.report('Worker for "gp2gp.request" failed', new Error('Connection is closed.'));
    expect(logged.at(-1)).toBe(
      'Worker for "gp2gp.request" failed: Connection is closed. (and 199 more since the last report)',
    );
  });
});
