import { MetricsService } from './metrics.service.js';

describe('MetricsService', () => {
  it('exposes process metrics and the HTTP metrics in Prometheus text format', async () => {
    const metrics = new MetricsService();
    metrics.observeHttp('GET', '/fhir/metadata', 200, 0.004);

    const { contentType, text } = await metrics.metrics();

    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('http_requests_total{method="GET",route="/fhir/metadata",status="200"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/fhir/metadata",status="200"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.0025",method="GET",route="/fhir/metadata",status="200"} 0',
    );
  });

  it('can leave the process metrics out', async () => {
    const { text } = await new MetricsService({ defaultMetrics: false }).metrics();

    expect(text).not.toContain('process_cpu_user_seconds_total');
    expect(text).toContain('# TYPE http_requests_total counter');
  });

  it('keeps two instances apart: each has its own registry and counts', async () => {
    const a = new MetricsService();
    const b = new MetricsService();
    a.observeHttp('GET', '/fhir/Patient/:id', 200, 0.01);
    a.observeHttp('GET', '/fhir/Patient/:id', 200, 0.01);
    b.observeHttp('GET', '/fhir/Patient/:id', 200, 0.01);

    expect((await a.metrics()).text).toContain(
      'http_requests_total{method="GET",route="/fhir/Patient/:id",status="200"} 2',
    );
    expect((await b.metrics()).text).toContain(
      'http_requests_total{method="GET",route="/fhir/Patient/:id",status="200"} 1',
    );
  });

  it('returns the same counter, histogram or gauge when asked for a name again', async () => {
    const metrics = new MetricsService({ defaultMetrics: false });

    const first = metrics.counter('supplier_calls_total', 'Calls to supplier systems.', ['supplier', 'outcome']);
    const again = metrics.counter('supplier_calls_total', 'Calls to supplier systems.', ['supplier', 'outcome']);
    first.inc({ supplier: 'P10001', outcome: 'ok' });
    again.inc({ supplier: 'P10001', outcome: 'ok' });

    const h = metrics.histogram('transfer_seconds', 'Transfer duration.', ['stage'], [1, 10, 60]);
    const g = metrics.gauge('transfers_in_progress', 'Transfers not yet finished.');
    g.set(3);
    h.observe({ stage: 'extract' }, 5);

    expect(again).toBe(first);
    expect(metrics.histogram('transfer_seconds', 'Transfer duration.', ['stage'])).toBe(h);
    expect(metrics.gauge('transfers_in_progress', 'Transfers not yet finished.')).toBe(g);
    const { text } = await metrics.metrics();
    expect(text).toContain('supplier_calls_total{supplier="P10001",outcome="ok"} 2');
    expect(text).toContain('transfer_seconds_bucket{le="10",stage="extract"} 1');
    expect(text).toContain('transfers_in_progress 3');
  });

  it('refuses a name already used by a metric of another type', () => {
    const metrics = new MetricsService({ defaultMetrics: false });
    metrics.counter('queue_jobs', 'Jobs.');

    expect(() => metrics.gauge('queue_jobs', 'Jobs.')).toThrow(/already registered as another type/);
  });
});
