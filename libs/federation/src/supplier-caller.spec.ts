import { configSchema } from '@lloyd/config';
import {
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type SupplierCallContext,
} from '@lloyd/adapters-core';
import { SupplierCaller, type SupplierCallObserver } from './supplier-caller.js';
import { SupplierDirectory } from './supplier-directory.js';
import { expectOutcomeError } from '@lloyd/test-support';

const ODS = 'P10001';

/** A caller for one practice; `fn` plays the supplier, so no network is involved. */
function caller(
  resilience: Record<string, number> = {},
  timeoutMs = 200,
  observer?: SupplierCallObserver,
  clock?: () => number,
): SupplierCaller {
  const config = configSchema.parse({
    suppliers: [{ ods: ODS, name: 'test', format: 'xml-readv2', baseUrl: 'http://127.0.0.1:9', timeoutMs }],
    resilience: { retryInitialDelayMs: 1, breakerHalfOpenAfterMs: 60_000, ...resilience },
  });
  return new SupplierCaller(new SupplierDirectory(config.suppliers), config.resilience, observer, clock);
}

const unavailable = () =>
  new SupplierUnavailableError({ ods: ODS, format: 'xml-readv2', detail: 'connection refused' });
const nonsense = () => new SupplierProtocolError({ ods: ODS, format: 'xml-readv2', detail: 'not XML' });

/** Waits until the context's signal aborts, as a hung supplier call does, then fails as the HTTP client would. */
const hang = (ctx: SupplierCallContext) =>
  new Promise<never>((_, reject) => {
    ctx.signal?.addEventListener('abort', () =>
      reject(new SupplierTimeoutError({ ods: ODS, format: 'xml-readv2', detail: 'aborted' })),
    );
  });

describe('SupplierCaller', () => {
  it('retries an idempotent read after a connection failure, and succeeds', async () => {
    let attempts = 0;
    const result = await caller().call(ODS, () =>
      ++attempts < 3 ? Promise.reject(unavailable()) : Promise.resolve('ok'),
    );
    expect(result).toBe('ok');
    expect(attempts).toBe(3);
  });

  it('gives up after the configured retries with a 502', async () => {
    let attempts = 0;
    const error = await expectOutcomeError(
      caller({ retries: 2 }).call(ODS, () => (attempts++, Promise.reject(unavailable()))),
    );
    expect(error.status).toBe(502);
    expect(attempts).toBe(3);
  });

  it('does not retry a call that is not idempotent, a timeout, or an answer it cannot use', async () => {
    for (const [options, fail] of [
      [{ idempotent: false }, unavailable],
      [{}, nonsense],
    ] as const) {
      let attempts = 0;
      const error = await expectOutcomeError(caller().call(ODS, () => (attempts++, Promise.reject(fail())), options));
      expect(error.status).toBe(502);
      expect(attempts).toBe(1);
    }
    let attempts = 0;
    const timedOut = await expectOutcomeError(caller({}, 50).call(ODS, (_, ctx) => (attempts++, hang(ctx))));
    expect(timedOut.status).toBe(504);
    expect(attempts).toBe(1);
  });

  it('answers 504 when the deadline passes, retries included', async () => {
    let attempts = 0;
    const started = Date.now();
    const error = await expectOutcomeError(
      caller({ retries: 5, retryInitialDelayMs: 40 }, 100).call(ODS, (_, ctx) =>
        ++attempts === 1 ? Promise.reject(unavailable()) : hang(ctx),
      ),
    );
    expect(error.status).toBe(504);
    expect(attempts).toBe(2);
    // Well under what five backed-off retries would take; the deadline ended the call.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('opens the circuit after consecutive failures and refuses calls without reaching the supplier', async () => {
    const supplier = caller({ breakerThreshold: 3, retries: 0 });
    expect(supplier.breakerState(ODS)).toBe('closed');
    let attempts = 0;
    const fail = () => (attempts++, Promise.reject(nonsense()));
    for (let i = 0; i < 3; i++) expect((await expectOutcomeError(supplier.call(ODS, fail))).status).toBe(502);
    expect(supplier.breakerState(ODS)).toBe('open');
    const refused = await expectOutcomeError(supplier.call(ODS, fail));
    expect(refused.status).toBe(502);
    expect(refused.message).toMatch(/failed repeatedly/);
    expect(attempts).toBe(3);
  });

  it('tells the caller of an open circuit, in the text and Retry-After, how long is left before it tries again', async () => {
    let now = 1_000_000;
    const supplier = caller(
      { breakerThreshold: 1, retries: 0, breakerHalfOpenAfterMs: 10_000 },
      200,
      undefined,
      () => now,
    );
    await expectOutcomeError(supplier.call(ODS, () => Promise.reject(nonsense())));
    now += 6_500;
    const refused = await expectOutcomeError(supplier.call(ODS, () => Promise.resolve('unreached')));
    expect(refused.headers).toMatchObject({ 'retry-after': '4' });
    expect(refused.message).toMatch(/Try again in 4 seconds/);
  });

  it("reports every call's outcome and every breaker change to its observer", async () => {
    const seen: string[] = [];
    const observer: SupplierCallObserver = {
      called: (ods, outcome) => seen.push(`${ods} ${outcome}`),
      breakerChanged: (ods, state) => seen.push(`${ods} breaker ${state}`),
    };
    const supplier = caller({ breakerThreshold: 2, retries: 0 }, 50, observer);
    await supplier.call(ODS, () => Promise.resolve('ok'));
    await expectOutcomeError(supplier.call(ODS, (_, ctx) => hang(ctx)));
    await expectOutcomeError(supplier.call(ODS, () => Promise.reject(unavailable())));
    await expectOutcomeError(supplier.call(ODS, () => Promise.resolve('unreached')));
    expect(seen).toEqual([
      `${ODS} ok`,
      `${ODS} timeout`,
      `${ODS} breaker open`,
      `${ODS} unavailable`,
      `${ODS} breaker-open`,
    ]);
  });

  it('bounds concurrent calls per supplier and refuses beyond the queue with 503 and Retry-After', async () => {
    const supplier = caller({ maxConcurrentPerSupplier: 2, maxQueuedPerSupplier: 1 }, 5_000);
    let inFlight = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const slow = () =>
      new Promise<string>((resolve) => {
        most = Math.max(most, ++inFlight);
        releases.push(() => (inFlight--, resolve('done')));
      });
    const admitted = [supplier.call(ODS, slow), supplier.call(ODS, slow), supplier.call(ODS, slow)];
    const refused = await expectOutcomeError(supplier.call(ODS, slow));
    expect(refused.status).toBe(503);
    expect(refused.headers).toMatchObject({ 'retry-after': '1' });
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await expect(Promise.all(admitted)).resolves.toEqual(['done', 'done', 'done']);
    expect(most).toBe(2);
  });

  it('answers 502 for a practice with no configured supplier system', async () => {
    expect((await expectOutcomeError(caller().call('Z99999', () => Promise.resolve(1)))).status).toBe(502);
  });
});
