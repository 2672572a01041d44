import { DEFAULT_GP2GP_OPTIONS, stepRetryDelayMs } from './options.js';

describe('GP2GP options', () => {
  it('retries a failing step with exponential backoff capped at a few minutes, for the persist duration', () => {
    const delays = Array.from({ length: 12 }, (_, i) => stepRetryDelayMs(DEFAULT_GP2GP_OPTIONS, i + 1));
    expect(delays).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000,
    ]);
    expect(stepRetryDelayMs(DEFAULT_GP2GP_OPTIONS, 10_000)).toBe(300_000);
    expect(DEFAULT_GP2GP_OPTIONS.stepRetryForMs).toBe(DEFAULT_GP2GP_OPTIONS.extractPersistMs);
  });
});
