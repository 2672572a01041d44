import type { INestApplicationContext } from '@nestjs/common';
import { loadConfig, type LloydConfig } from '@lloyd/config';
import { MetricsService } from '@lloyd/observability';
import { createWorkerApp } from './bootstrap.js';
import { WorkerMetricsServer } from './worker-metrics.server.js';
import { freePort } from '@lloyd/test-support';

function workerConfig(env: NodeJS.ProcessEnv): LloydConfig {
  const config = loadConfig({ env: { HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env } });
  return { ...config, simulators: { ...config.simulators, embedded: false } };
}

describe('the standalone worker’s metrics listener (worker.metricsPort, WORKER_METRICS_PORT)', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(env: NodeJS.ProcessEnv): Promise<INestApplicationContext> {
    const config = workerConfig(env);
    app = await createWorkerApp(config);
    return app;
  }

  it('serves the GP2GP outcomes counted in the worker on /metrics, and liveness on /health/live', async () => {
    const port = await freePort();
    const worker = await start({ WORKER_METRICS_PORT: String(port) });
    expect(worker.get(WorkerMetricsServer).port).toBe(port);
    // The transfer steps run here, so their state changes are counted in this process's registry.
    worker
      .get(MetricsService)
      .counter('lloyd_gp2gp_transfers_total', 'GP2GP transfers reaching each state.', ['state'])
      .inc({ state: 'failed' });

    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('lloyd_gp2gp_transfers_total{state="failed"} 1');

    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'pass', role: 'transfer-worker' });
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/fhir/metadata`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);

    await worker.close();
    app = undefined;
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  });

  it('opens no port when worker.metricsPort is unset', async () => {
    const worker = await start({});
    expect(worker.get(WorkerMetricsServer).port).toBeUndefined();
  });

  it('refuses a port that is not a port number at start-up', () => {
    expect(() => workerConfig({ WORKER_METRICS_PORT: '70000' })).toThrow(/worker\.metricsPort/);
  });
});
