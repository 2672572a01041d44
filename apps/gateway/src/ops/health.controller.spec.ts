import type { OperationOutcomeError } from '@lloyd/fhir';
import type { CheckReadiness, ReadinessReport } from './check-readiness.js';
import { HealthController } from './health.controller.js';

const notReady = (checks: ReadinessReport['checks']) =>
  new HealthController({
    execute: () => Promise.resolve({ ready: false, degraded: false, checks }),
  } as unknown as CheckReadiness);

describe('HealthController /health/ready', () => {
  it('answers 503 with an issue per failing check that says what to look at for that check', async () => {
    const err = (await notReady({
      store: { ok: false, ms: 3, detail: "Lloyd's store (Redis) is full: it refuses writes at its maxmemory limit." },
      queue: { ok: true, ms: 1 },
      'supplier:P10001': { ok: false, ms: 2, detail: 'connection refused' },
    })
      .ready()
      .catch((e: unknown) => e)) as OperationOutcomeError;
    expect(err.status).toBe(503);
    const diagnostics = err.outcome.issue.map((i) => i.diagnostics);
    expect(diagnostics[0]).toBe(
      "store is not ready: Lloyd's store (Redis) is full: it refuses writes at its maxmemory limit. Check that Redis is running, reachable and below its maxmemory.",
    );
    expect(diagnostics[1]).toBe(
      'supplier:P10001 is not ready: connection refused. Check that it is running and reachable.',
    );
    expect(diagnostics[2]).toMatch(/^queue is ok/);
  });
});
