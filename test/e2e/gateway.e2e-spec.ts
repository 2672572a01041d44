import { connect } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Controller, Get, Module } from '@nestjs/common';
import { loadConfig, type LloydConfig } from '@lloyd/config';
import { Public } from '@lloyd/auth';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { createGatewayApp } from '../../apps/gateway/src/bootstrap.js';
import { startSimulators } from '../../apps/supplier-sim/src/server.js';
import { fetchToken } from '../support/tokens.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';

@Controller('test-only')
class ExplodingController {
  @Get('boom')
  @Public()
  boom(): never {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ExplodingController] })
class ExplodingModule {}

interface OperationOutcomeBody {
  resourceType: string;
  issue: {
    severity: string;
    code: string;
    diagnostics?: string;
    details?: { coding?: { system: string; code: string }[] };
  }[];
}

function spineCode(body: OperationOutcomeBody): string | undefined {
  return body.issue[0]?.details?.coding?.find((c) => c.system === SPINE)?.code;
}

describe('gateway end to end (one supplier slice over real HTTP)', () => {
  let app: NestFastifyApplication;
  let sims: Awaited<ReturnType<typeof startSimulators>>;
  let base: string;
  let config: LloydConfig;
  let token: string;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 20261123, host: '127.0.0.1', ports: { P10001: 0 } });
    config = loadConfig({
      env: {},
      overrides: {
        server: { port: 0, bodyLimitBytes: 4096 },
        suppliers: [{ ods: 'P10001', name: 'sim', format: 'xml-readv2', baseUrl: sims.urls.P10001!, timeoutMs: 1000 }],
        observability: { logLevel: 'silent' },
      },
    });
    app = await createGatewayApp(config, { mount: [ExplodingModule] });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    token = await fetchToken(base, 'hospital-epr', { practitioner: 'G1234567' });
  });

  afterAll(async () => {
    await app?.close();
    await sims?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

  it('serves a valid R4 CapabilityStatement without a token', async () => {
    const res = await fetch(`${base}/fhir/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await res.json()) as fhir4.CapabilityStatement;
    expect(body.fhirVersion).toBe('4.0.1');
    expect(body.rest?.[0]?.resource?.map((r) => r.type)).toEqual(expect.arrayContaining(['Patient', 'Binary']));
    await assertValidR4(body);
  });

  it('finds a demo patient by NHS number and returns one valid Patient', async () => {
    const res = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`);
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry).toHaveLength(1);
    const patient = bundle.entry![0]!.resource as fhir4.Patient;
    expect(patient.resourceType).toBe('Patient');
    expect(patient.identifier?.find((i) => i.system === NHS)?.value).toBe('9990000018');
    expect(patient.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    await assertValidR4(bundle);
  });

  it('answers an unknown (valid) NHS number with an empty searchset', async () => {
    const res = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9434765919`)}`);
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    expect(bundle.total).toBe(0);
    expect(bundle.entry ?? []).toHaveLength(0);
  });

  it.each([
    [`${NHS}|9990000019`, 400, 'INVALID_NHS_NUMBER'],
    ['https://example.org/id|9990000018', 400, 'INVALID_IDENTIFIER_SYSTEM'],
    ['9990000018', 400, 'INVALID_IDENTIFIER_SYSTEM'],
  ])('rejects identifier %s with %i %s', async (identifier, status, code) => {
    const res = await get(`/fhir/Patient?identifier=${encodeURIComponent(identifier)}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    expect(spineCode((await res.json()) as OperationOutcomeBody)).toBe(code);
  });

  it('refuses a patient who dissented with 403 NO_PATIENT_CONSENT', async () => {
    const res = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000050`)}`);
    expect(res.status).toBe(403);
    expect(spineCode((await res.json()) as OperationOutcomeBody)).toBe('NO_PATIENT_CONSENT');
  });

  it('denies a patient search without a token, as a 401 OperationOutcome', async () => {
    const res = await fetch(`${base}/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as OperationOutcomeBody;
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('answers unknown routes with 404 and wrong verbs with 405, both as OperationOutcomes', async () => {
    const notFound = await fetch(`${base}/nonsense/path`);
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as OperationOutcomeBody).resourceType).toBe('OperationOutcome');
    const unknownType = await get('/fhir/Nonsense/1');
    expect(unknownType.status).toBe(404);
    expect(spineCode((await unknownType.json()) as OperationOutcomeBody)).toBe('NO_RECORD_FOUND');
    const wrongVerb = await fetch(`${base}/fhir/metadata`, { method: 'DELETE' });
    expect(wrongVerb.status).toBe(405);
    expect(wrongVerb.headers.get('allow')).toBe('GET');
    expect(spineCode((await wrongVerb.json()) as OperationOutcomeBody)).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers the structured record operation invoked with another verb than POST with 400 BAD_REQUEST, as GP Connect does', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${base}/fhir/Patient/$gpc.getstructuredrecord`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
      expect({ method, status: res.status, allow: res.headers.get('allow') }).toEqual({
        method,
        status: 400,
        allow: 'POST',
      });
      const body = (await res.json()) as OperationOutcomeBody;
      expect(spineCode(body)).toBe('BAD_REQUEST');
      expect(body.issue[0]?.diagnostics).toContain('invoked with POST');
    }
  });

  it('answers a structured-record body in a media type Lloyd does not take with 415, whatever the type', async () => {
    for (const type of ['application/xml', 'text/plain']) {
      const res = await fetch(`${base}/fhir/Patient/$gpc.getstructuredrecord`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body: '{"resourceType":"Parameters"}',
      });
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
      const body = (await res.json()) as OperationOutcomeBody;
      expect(spineCode(body)).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(body.issue[0]?.diagnostics).toContain('Send application/fhir+json or application/json');
    }
  });

  it("refuses a form body (curl's default for -d) everywhere but the token endpoint, with 415 saying to send JSON", async () => {
    const res = await fetch(`${base}/fhir/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'resourceType=Parameters',
    });
    expect(res.status).toBe(415);
    const body = (await res.json()) as OperationOutcomeBody;
    expect(spineCode(body)).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(body.issue[0]?.diagnostics).toContain('takes JSON, not a form');
  });

  it('says what the body limit is when a body is over it, wherever it is sent', async () => {
    const res = await fetch(`${base}/fhir/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', x: 'y'.repeat(10_000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as OperationOutcomeBody).issue[0]?.diagnostics).toContain('limit of 4096 bytes');
  });

  it('answers a path Fastify does not route, with a trailing slash, as 404 rather than a self-contradicting 405', async () => {
    const res = await get('/fhir/metadata/');
    expect(res.status).toBe(404);
    expect(spineCode((await res.json()) as OperationOutcomeBody)).toBe('NO_RECORD_FOUND');
  });

  it('answers URLs the router refuses (bad percent-encoding, an over-long id) with OperationOutcomes', async () => {
    const badEncoding = await get('/fhir/Patient/%ZZ');
    expect(badEncoding.status).toBe(400);
    expect(badEncoding.headers.get('content-type')).toContain('application/fhir+json');
    expect(spineCode((await badEncoding.json()) as OperationOutcomeBody)).toBe('BAD_REQUEST');
    const longId = await get(`/fhir/Condition/${'A'.repeat(101)}`);
    expect(longId.status).toBe(404);
    expect(longId.headers.get('content-type')).toContain('application/fhir+json');
    expect(spineCode((await longId.json()) as OperationOutcomeBody)).toBe('NO_RECORD_FOUND');
  });

  it('answers 406 when the caller accepts no JSON or asks for another _format, and JSON when JSON is acceptable', async () => {
    for (const accept of ['application/fhir+xml', 'text/html', 'application/json;q=0']) {
      const res = await get('/fhir/metadata', { accept });
      expect({ accept, status: res.status }).toEqual({ accept, status: 406 });
      expect(spineCode((await res.json()) as OperationOutcomeBody)).toBe('NOT_ACCEPTABLE');
    }
    const xmlFormat = await get('/fhir/metadata?_format=xml');
    expect(xmlFormat.status).toBe(406);
    for (const accept of ['application/fhir+xml, application/fhir+json;q=0.5', '*/*', 'application/json']) {
      const res = await get('/fhir/metadata', { accept });
      expect({ accept, status: res.status }).toEqual({ accept, status: 200 });
    }
    expect((await get('/fhir/metadata?_format=json')).status).toBe(200);
    // Unencoded, the + of the media type arrives as a space; it still names JSON.
    expect((await get('/fhir/metadata?_format=application/fhir+json')).status).toBe(200);
  });

  it('rejects malformed JSON with 400 and oversized bodies with 413, as OperationOutcomes', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' };
    const malformed = await fetch(`${base}/oauth2/token`, { method: 'POST', headers, body: '{"resourceType": ' });
    expect(malformed.status).toBe(400);
    expect(spineCode((await malformed.json()) as OperationOutcomeBody)).toBe('BAD_REQUEST');
    const big = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ x: 'y'.repeat(10_000) }),
    });
    expect(big.status).toBe(413);
    expect(spineCode((await big.json()) as OperationOutcomeBody)).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an HTTP request too malformed to route with a 400 OperationOutcome', async () => {
    const { port } = new URL(base);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('application/fhir+json');
    expect(answer).toContain('"resourceType":"OperationOutcome"');
  });

  it('hides unexpected errors behind a generic 500 with a correlation id', async () => {
    const res = await fetch(`${base}/test-only/boom`, { headers: { 'x-request-id': 'corr-123' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('corr-123');
    const text = await res.text();
    expect(text).not.toContain('secret internal detail');
    const body = JSON.parse(text) as OperationOutcomeBody;
    expect(spineCode(body)).toBe('INTERNAL_SERVER_ERROR');
    expect(body.issue[0]?.diagnostics).toContain('corr-123');
  });

  it('answers 504 when the supplier is too slow and 502 when it drops the connection', async () => {
    const faults = `${sims.urls.P10001!}/_faults`;
    try {
      await fetch(faults, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 2500 }),
      });
      const slow = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`);
      expect(slow.status).toBe(504);
      expect(spineCode((await slow.json()) as OperationOutcomeBody)).toBe('GATEWAY_TIMEOUT');
      await fetch(faults, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ drop: true }),
      });
      const dropped = await get(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`);
      expect(dropped.status).toBe(502);
      expect(spineCode((await dropped.json()) as OperationOutcomeBody)).toBe('BAD_GATEWAY');
      // One supplier down leaves the replica ready (every replica reaches the same systems), but degraded.
      const degraded = await fetch(`${base}/health/ready`);
      expect(degraded.status).toBe(200);
      const report = (await degraded.json()) as {
        status: string;
        checks: Record<string, { ok: boolean; detail?: string }>;
      };
      expect(report.status).toBe('degraded');
      expect(report.checks['store']?.ok).toBe(true);
      expect(report.checks['supplier:P10001']?.ok).toBe(false);
      expect(report.checks['supplier:P10001']?.detail).toBeDefined();
      // Operators see each supplier call's outcome.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      for (const outcome of ['timeout', 'unavailable']) {
        expect(metrics).toMatch(new RegExp(`lloyd_supplier_calls_total\\{ods="P10001",outcome="${outcome}"\\} [1-9]`));
      }
    } finally {
      await fetch(faults, { method: 'DELETE' });
    }
  });

  it('reports liveness, readiness of store, queue and supplier, and Prometheus metrics by route', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; breaker?: string }>;
    };
    // This gateway runs without a transfer worker: ready for reads, degraded for transfers.
    expect(report.status).toBe('degraded');
    expect(Object.keys(report.checks).sort()).toEqual(['queue', 'store', 'supplier:P10001', 'workers']);
    expect(report.checks['workers']?.ok).toBe(false);
    expect(report.checks['supplier:P10001']?.ok).toBe(true);
    expect(report.checks['supplier:P10001']?.breaker).toBe('closed');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/lloyd_supplier_breaker_state\{ods="P10001"\} 0/);
    expect(metrics).toMatch(/lloyd_supplier_calls_total\{ods="P10001",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/fhir\/Patient"[^}]*status="200"[^}]*\} \d+/);
    expect(metrics).toContain('http_request_duration_seconds_bucket');
  });
});
