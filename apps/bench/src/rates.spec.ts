import { steadyRate } from './rates.js';

const transfer = (completedSecond: number | undefined) => ({
  timeline: [
    { at: new Date(0).toISOString(), state: 'requested' },
    ...(completedSecond === undefined
      ? []
      : [{ at: new Date(completedSecond * 1000).toISOString(), state: 'completed' }]),
  ],
});

describe('steadyRate', () => {
  it('counts completions per second between the 10th and 90th percentile, ignoring a slow start and tail', () => {
    // 5 s before the first completion, then one every 100 ms (10/s), then a 20 s straggler.
    const done = Array.from({ length: 100 }, (_, i) => transfer(5 + i * 0.1));
    done.push(transfer(35));
    expect(steadyRate(done)).toBeCloseTo(10, 1);
  });

  it('leaves out transfers that never completed, and gives NaN when too few did', () => {
    const mixed = [...Array.from({ length: 20 }, (_, i) => transfer(i * 0.5)), transfer(undefined)];
    expect(steadyRate(mixed)).toBeCloseTo(2, 1);
    expect(steadyRate([transfer(1), transfer(2)])).toBeNaN();
  });
});
