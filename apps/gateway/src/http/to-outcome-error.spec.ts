import { toOutcomeError } from './to-outcome-error.js';

const ctx = { correlationId: 'req-1', bodyLimit: 1024 };

describe('toOutcomeError', () => {
  it.each([
    Object.assign(new Error('Reached the max retries per request limit (which is 3).'), {
      name: 'MaxRetriesPerRequestError',
    }),
    new Error('Command timed out'),
    new Error('Connection is closed.'),
  ])('answers the store not answering (%s) with 503 and Retry-After, as an expected outage', (err) => {
    const { error, expected } = toOutcomeError(err, ctx);
    expect(expected).toBe(true);
    expect(error.status).toBe(503);
    expect(error.spineCode).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toContain('Try again shortly');
  });

  it('answers a full store with 503 saying what operators must do, and logs it as a fault', () => {
    const full = new Error("OOM command not allowed when used memory > 'maxmemory'.");
    const { error, expected } = toOutcomeError(full, ctx);
    expect(expected).toBe(false);
    expect(error.status).toBe(503);
    expect(error.spineCode).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/store \(Redis\) is full.*raise maxmemory.*audit:archive/);
  });

  it('still answers a fault of its own with a generic 500 naming the correlation id', () => {
    const { error, expected } = toOutcomeError(new TypeError('x is undefined'), ctx);
    expect(expected).toBe(false);
    expect(error.status).toBe(500);
  });
});
