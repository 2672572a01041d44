import Fastify, { type FastifyInstance } from 'fastify';
import { registerHttpMetrics } from './http-metrics.js';
import { MetricsService } from './metrics.service.js';

describe('registerHttpMetrics', () => {
  let app: FastifyInstance;
  let metrics: MetricsService;

  beforeEach(async () => {
    metrics = new MetricsService({ defaultMetrics: false });
    app = Fastify();
    registerHttpMetrics(app, metrics);
    app.get('/fhir/Patient/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      return id === 'missing'
        ? reply.code(404).send({ resourceType: 'OperationOutcome' })
        : { resourceType: 'Patient', id };
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  it('labels requests with the route pattern, not the URL', async () => {
    await app.inject({ method: 'GET', url: '/fhir/Patient/9990000018' });
    await app.inject({ method: 'GET', url: '/fhir/Patient/9990000026?_format=json' });
    await app.inject({ method: 'GET', url: '/fhir/Patient/missing' });

    const { text } = await metrics.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="/fhir/Patient/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/fhir/Patient/:id",status="404"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/fhir/Patient/:id",status="200"} 2',
    );
    expect(text).not.toContain('9990000018');
  });

  it('puts every unmatched URL under one "unmatched" label', async () => {
    await app.inject({ method: 'GET', url: '/wp-admin/setup.php' });
    await app.inject({ method: 'POST', url: '/random/' + 'x'.repeat(40) });

    const { text } = await metrics.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="unmatched",status="404"} 1');
    expect(text).not.toContain('wp-admin');
  });
});
