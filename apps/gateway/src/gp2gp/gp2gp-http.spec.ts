import { request as httpRequest } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditTrail } from '@lloyd/access';
import { loadConfig } from '@lloyd/config';
import { FakeTransferSystem, sampleRecord } from '@lloyd/gp2gp';
import { gp2gpBearer, gp2gpTestApp } from './testing/gp2gp-test-app.js';

const NHS = '9990000018';
const START = { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' };

interface Outcome {
  resourceType: string;
  issue: { code: string; details?: { coding?: { code?: string }[] }; diagnostics?: string; expression?: string[] }[];
}

describe('GP2GP HTTP API', () => {
  let app: NestFastifyApplication;
  let close: () => Promise<void>;
  let broker: string;
  let receiver: FakeTransferSystem;

  beforeEach(async () => {
    receiver = new FakeTransferSystem();
    ({ app, close } = await gp2gpTestApp(loadConfig({ env: {} }), {
      systems: { P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      worker: true,
      clock: () => Date.parse('2026-03-02T09:00:00Z'),
    }));
    broker = await gp2gpBearer(app, 'broker');
  });

  afterEach(async () => {
    await close();
  });

  const call = (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    authorization = broker,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      headers: { authorization, ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  async function waitForState(id: string, state: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 500; i++) {
      const body = (await call('GET', `/gp2gp/transfers/${id}`)).json<Record<string, unknown>>();
      if (body['state'] === state) return body;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`transfer ${id} did not reach ${state}`);
  }

  it('starts a transfer: 202, Location, id and state; a second request returns the same transfer', async () => {
    const res = await call('POST', '/gp2gp/transfers', START);
    expect(res.statusCode).toBe(202);
    const body = res.json<{ id: string; state: string; created: boolean }>();
    expect(body).toMatchObject({ state: 'requested', created: true });
    expect(res.headers['location']).toBe(`/gp2gp/transfers/${body.id}`);

    const again = await call('POST', '/gp2gp/transfers', START);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ id: body.id, created: false });
  });

  it('refuses an invalid body with 422 INVALID_PARAMETER naming the field', async () => {
    const res = await call('POST', '/gp2gp/transfers', { ...START, nhsNumber: '9990000019' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    const outcome = res.json<Outcome>();
    expect(outcome.issue[0]?.details?.coding?.[0]?.code).toBe('INVALID_PARAMETER');
    expect(outcome.issue[0]?.expression).toEqual(['nhsNumber']);
    expect(outcome.issue[0]?.diagnostics).toMatch(/check digit/);

    const missing = await call('POST', '/gp2gp/transfers', { nhsNumber: NHS, fromOds: 'P10001' });
    expect(missing.json<Outcome>().issue[0]?.expression).toEqual(['toOds']);
  });

  it('needs system/gp2gp.write to start and system/gp2gp.read to read', async () => {
    expect((await call('POST', '/gp2gp/transfers', START, '')).statusCode).toBe(401);
    const reader = await gp2gpBearer(app, 'reader');
    expect((await call('POST', '/gp2gp/transfers', START, reader)).statusCode).toBe(403);
    const hospital = await gp2gpBearer(app, 'hospital-epr');
    expect((await call('GET', '/gp2gp/transfers', undefined, hospital)).statusCode).toBe(403);
    expect((await call('GET', '/gp2gp/transfers', undefined, reader)).statusCode).toBe(200);
  });

  it('shows a transfer: state, timeline, sizes, counts; 404 for an unknown one; and audits the reads', async () => {
    const { id } = (await call('POST', '/gp2gp/transfers', START)).json<{ id: string }>();
    const held = await waitForState(id, 'awaiting-acceptance');
    expect(held).toMatchObject({
      id,
      nhsNumber: NHS,
      fromOds: 'P10001',
      toOds: 'P20002',
      degradedCount: 0,
      counts: { attachments: 0, fragments: 0, items: 4, degraded: 0 },
      paperFallback: false,
    });
    expect((held['sizes'] as { extractBytes: number }).extractBytes).toBeGreaterThan(0);
    expect((held['timeline'] as { state: string }[]).map((e) => e.state)).toEqual([
      'requested',
      'extract-requested',
      'extract-received',
      'translated',
      'delivered',
      'awaiting-acceptance',
    ]);

    const missing = await call('GET', '/gp2gp/transfers/NOPE');
    expect(missing.statusCode).toBe(404);
    expect(missing.json<Outcome>().issue[0]?.details?.coding?.[0]?.code).toBe('NO_RECORD_FOUND');

    const { events } = await app.get(AuditTrail).search({ patient: NHS });
    const subtypes = events.map((e) => e.subtype?.[0]?.code);
    expect(subtypes).toContain('operation');
    expect(subtypes).toContain('read');
  });

  it('lists transfers by state and receiving practice', async () => {
    const { id } = (await call('POST', '/gp2gp/transfers', START)).json<{ id: string }>();
    await waitForState(id, 'awaiting-acceptance');
    const waiting = (await call('GET', '/gp2gp/transfers?state=awaiting-acceptance&toOds=P20002')).json<{
      transfers: { id: string }[];
    }>();
    expect(waiting.transfers.map((t) => t.id)).toEqual([id]);
    expect((await call('GET', '/gp2gp/transfers?state=completed')).json<{ count: number }>().count).toBe(0);
    expect((await call('GET', '/gp2gp/transfers?toOds=P40004')).json<{ count: number }>().count).toBe(0);
    const bad = await call('GET', '/gp2gp/transfers?state=lost');
    expect(bad.statusCode).toBe(422);
    expect(bad.json<Outcome>().issue[0]?.expression).toEqual(['state']);
  });

  it('accepts a held record, which completes the transfer; rejecting it afterwards is refused', async () => {
    const { id } = (await call('POST', '/gp2gp/transfers', START)).json<{ id: string }>();
    await waitForState(id, 'awaiting-acceptance');
    const accepted = await call('POST', `/gp2gp/transfers/${id}/accept`);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ state: 'integrated', outcome: 'integrated' });
    const done = await waitForState(id, 'completed');
    expect(done['outcome']).toBe('integrated');
    expect(receiver.completeCalls).toBe(1);
    const late = await call('POST', `/gp2gp/transfers/${id}/reject`, { reasonCode: '11' });
    expect(late.statusCode).toBe(409);
  });

  it('rejects a held record with a reason code, and refuses a reason a practice cannot give', async () => {
    const { id } = (await call('POST', '/gp2gp/transfers', START)).json<{ id: string }>();
    await waitForState(id, 'awaiting-acceptance');
    const bad = await call('POST', `/gp2gp/transfers/${id}/reject`, { reasonCode: '99' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json<Outcome>().issue[0]?.expression).toEqual(['reasonCode']);
    const rejected = await call('POST', `/gp2gp/transfers/${id}/reject`, { reasonCode: '28' });
    expect(rejected.json()).toMatchObject({ state: 'rejected', outcome: 'rejected', rejection: { code: '28' } });
    await waitForState(id, 'completed');
  });

  it('serves the integration report as JSON, and as CSV by format or Accept', async () => {
    const { id } = (await call('POST', '/gp2gp/transfers', START)).json<{ id: string }>();
    await waitForState(id, 'awaiting-acceptance');
    const json = await call('GET', '/gp2gp/reports/integrations?from=2026-03-01&to=2026-03-31');
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-31',
      practices: [{ ods: 'P20002', transfers: 1, inProgress: 1 }],
    });

    const csv = await call('GET', '/gp2gp/reports/integrations?from=2026-03-01&to=2026-03-31&format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[1]).toBe('P20002,1,0,0,0,0,,1,');
    const accepted = await call('GET', '/gp2gp/reports/integrations?from=2026-03-01&to=2026-03-31', undefined, broker, {
      accept: 'text/csv',
    });
    expect(accepted.body).toBe(csv.body);

    const bad = await call('GET', '/gp2gp/reports/integrations?from=2026-03-01');
    expect(bad.statusCode).toBe(422);
    expect(bad.json<Outcome>().issue[0]?.expression).toEqual(['to']);
  });

  it('streams progress as server-sent events until the transfer ends', async () => {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const { id } = (await call('POST', '/gp2gp/transfers', START)).json<{ id: string }>();
    const text = new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: address.port,
          path: `/gp2gp/transfers/${id}/events`,
          headers: { authorization: broker },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    await waitForState(id, 'awaiting-acceptance');
    await call('POST', `/gp2gp/transfers/${id}/accept`);
    const { status, type, body } = await text;
    expect(status).toBe(200);
    expect(type).toContain('text/event-stream');
    const events = body
      .split('\n\n')
      .filter((block) => block.includes('data: '))
      .map(
        (block) =>
          JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { state: string; seq: number; final: boolean },
      );
    expect(events.map((e) => e.state)).toEqual([
      'requested',
      'extract-requested',
      'extract-received',
      'translated',
      'delivered',
      'awaiting-acceptance',
      'integrated',
      'acknowledged',
      'completed',
    ]);
    expect(events.at(-1)?.final).toBe(true);
    expect(body).toContain(`id: 0\nevent: progress\n`);

    const unknown = await call('GET', '/gp2gp/transfers/NOPE/events');
    expect(unknown.statusCode).toBe(404);
  });
});
