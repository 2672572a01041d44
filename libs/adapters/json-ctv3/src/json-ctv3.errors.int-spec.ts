import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
  type RecordQuery,
} from '@lloyd/adapters-core';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { JsonCtv3Adapter } from './json-ctv3.adapter.js';

type Json = Record<string, unknown>;
const ODS = 'P20002';
const ALL: RecordQuery = { sections: ['allergies', 'medications', 'problems', 'consultations'] };
const ctx = (signal: AbortSignal = new AbortController().signal) => ({ signal, correlationId: 'json-ctv3-errors' });

/** What the tampering proxy does to one answer of the real system. */
interface Tamper {
  /** Replaces the JSON body of answers whose path starts with `path`. */
  readonly path: string;
  /** Narrows the requests tampered with further. */
  readonly when?: (request: URL) => boolean;
  readonly edit?: (body: Json, request: URL) => Json;
  /** Replaces the whole answer. */
  readonly raw?: { status: number; contentType: string; body: string };
  /** Extra headers sent upstream (e.g. the simulator's fault injection), for matching requests. */
  readonly upstreamHeaders?: Record<string, string>;
}

let sims: RunningSimulators;
let proxy: Server;
let proxyUrl: string;
let tamper: Tamper | undefined;

/**
 * A vendor whose API changed or broke: the real simulator behind a proxy that rewrites selected answers.
 */
async function startTamperingProxy(upstream: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', upstream);
    const active = tamper && url.pathname.startsWith(tamper.path) && (tamper.when?.(url) ?? true) ? tamper : undefined;
    if (active?.raw) {
      res.writeHead(active.raw.status, { 'content-type': active.raw.contentType }).end(active.raw.body);
      return;
    }
    fetch(url, { headers: active?.upstreamHeaders ?? {} })
      .then(async (answer) => {
        const text = await answer.text();
        const body = active?.edit ? JSON.stringify(active.edit(JSON.parse(text) as Json, url)) : text;
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' }).end(body);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  sims = await startSimulators({ seed: 5, ports: { P20002: 0 } });
  proxy = await startTamperingProxy(sims.urls.P20002!);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await sims?.close();
});

afterEach(async () => {
  tamper = undefined;
  await fetch(`${sims.urls.P20002}/_faults`, { method: 'DELETE' });
});

const direct = () => new JsonCtv3Adapter({ ods: ODS, baseUrl: sims.urls.P20002! });
const viaProxy = (options: { pageSize?: number; maxPageBytes?: number } = {}) =>
  new JsonCtv3Adapter({ ods: ODS, baseUrl: proxyUrl, ...options });

const setFaults = (faults: object) =>
  fetch(`${sims.urls.P20002}/_faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome;
}

/** Applies `change` to every journal event's entries. */
function editEntries(change: (entry: Json) => Json): (body: Json) => Json {
  return (body) => ({
    ...body,
    events: (body['events'] as Json[]).map((e) => ({ ...e, entries: (e['entries'] as Json[]).map(change) })),
  });
}

describe('JsonCtv3Adapter under injected faults', () => {
  it('turns a failing system (5xx) into SupplierUnavailableError, for the patient and the record', async () => {
    await setFaults({ failRate: 1, failStatus: 503 });
    const err = await failure(direct().getRecord('9990000026', ALL, ctx()));
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect((err as SupplierUnavailableError).status).toBe(503);
    expect(err.message).toContain('practice P20002 (json-ctv3)');
    await expect(direct().findPatient('9990000026', ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(direct().health(ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a failure on a later journal page into SupplierUnavailableError', async () => {
    tamper = {
      path: '/api/v2/patients/',
      when: (url) => url.searchParams.has('cursor'),
      upstreamHeaders: { 'x-sim-fail': '500' },
    };
    const err = await failure(viaProxy({ pageSize: 3 }).getRecord('9990000026', ALL, ctx()));
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect(err.message).toContain('HTTP 500 to the journal');
  });

  it('turns a dropped connection into SupplierUnavailableError', async () => {
    await setFaults({ drop: true });
    await expect(direct().getRecord('9990000026', ALL, ctx())).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('turns a deadline passing mid-call into SupplierTimeoutError', async () => {
    await setFaults({ latencyMs: 5_000 });
    await expect(direct().getRecord('9990000026', ALL, ctx(AbortSignal.timeout(100)))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
    await expect(direct().getRecord('9990000026', ALL, ctx(AbortSignal.abort()))).rejects.toBeInstanceOf(
      SupplierTimeoutError,
    );
  });

  it('turns a refused connection into SupplierUnavailableError', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const gone = new JsonCtv3Adapter({ ods: ODS, baseUrl: `http://127.0.0.1:${port}` });
    await expect(gone.getRecord('9990000026', ALL, ctx())).rejects.toThrow(/connection refused \(ECONNREFUSED\)/);
  });
});

describe('JsonCtv3Adapter given a changed or broken vendor API', () => {
  const expectProtocolError = async (call: Promise<unknown>, detail: RegExp) => {
    const err = await failure(call);
    expect(err).toBeInstanceOf(SupplierProtocolError);
    expect((err as SupplierProtocolError).detail).toMatch(detail);
    expect(err.message).toContain('Check that the format configured for this practice');
  };

  it('reads the record unchanged through the proxy when nothing is tampered with', async () => {
    const record = await viaProxy().getRecord('9990000026', ALL, ctx());
    expect(record?.resources.length).toBeGreaterThan(50);
  });

  it('refuses an answer that is not JSON', async () => {
    tamper = { path: '/api/v2/patients', raw: { status: 200, contentType: 'text/html', body: '<html>Login</html>' } };
    await expectProtocolError(viaProxy().findPatient('9990000026', ctx()), /not JSON/);
    tamper = { path: '/api/v2/patients', raw: { status: 200, contentType: 'application/json', body: '{"total": 1,' } };
    await expectProtocolError(viaProxy().findPatient('9990000026', ctx()), /not valid JSON/);
  });

  it('refuses a patient without a consent statement rather than assuming consent', async () => {
    tamper = {
      path: '/api/v2/patients',
      edit: (body) => ({
        ...body,
        results: (body['results'] as Json[]).map(({ consent: _consent, ...rest }) => rest),
      }),
    };
    await expectProtocolError(viaProxy().findPatient('9990000026', ctx()), /patient consent/);
  });

  it('refuses a changed vocabulary (a sex code it does not know)', async () => {
    tamper = {
      path: '/api/v2/patients',
      edit: (body) => ({
        ...body,
        results: (body['results'] as Json[]).map((r) => ({ ...r, patient: { ...(r['patient'] as Json), sex: 'F' } })),
      }),
    };
    await expectProtocolError(viaProxy().findPatient('9990000026', ctx()), /patient patient\.sex/);
  });

  it('refuses a search that answers for another NHS number', async () => {
    tamper = {
      path: '/api/v2/patients',
      edit: (body) => ({
        ...body,
        results: (body['results'] as Json[]).map((r) => ({
          ...r,
          patient: { ...(r['patient'] as Json), nhsNumber: '9990000069' },
        })),
      }),
    };
    await expectProtocolError(viaProxy().findPatient('9990000026', ctx()), /different NHS number/);
  });

  it('refuses a journal entry of a type it does not know, rather than dropping it', async () => {
    tamper = {
      path: '/api/v2/patients/',
      edit: editEntries((e) => (e['type'] === 'allergy' ? { ...e, type: 'carePlan' } : e)),
    };
    await expectProtocolError(
      viaProxy().getRecord('9990000026', ALL, ctx()),
      /journal events\.\d+\.entries\.\d+\.type/,
    );
  });

  it('refuses a date whose value does not match its precision, and a time without an offset', async () => {
    tamper = {
      path: '/api/v2/patients/',
      edit: editEntries((e) => ({ ...e, date: { value: '2019-03-14', precision: 'year' } })),
    };
    await expectProtocolError(viaProxy().getRecord('9990000026', ALL, ctx()), /date/);
    tamper = {
      path: '/api/v2/patients/',
      edit: (body) => ({
        ...body,
        events: (body['events'] as Json[]).map((e) =>
          e['eventType'] === 'consultation' ? { ...e, date: { value: '2019-03-14T10:20', precision: 'minute' } } : e,
        ),
      }),
    };
    await expectProtocolError(viaProxy().getRecord('9990000026', ALL, ctx()), /offset/);
  });

  it('refuses a journal of another practice, or with an item twice', async () => {
    tamper = {
      path: '/api/v2/patients/',
      edit: (body) => ({ ...body, practice: { ...(body['practice'] as Json), odsCode: 'P10001' } }),
    };
    await expectProtocolError(viaProxy().getRecord('9990000026', ALL, ctx()), /from practice P10001/);
    tamper = {
      path: '/api/v2/patients/',
      edit: (body) => {
        const events = body['events'] as Json[];
        return { ...body, events: [...events, events[events.length - 1]] };
      },
    };
    await expectProtocolError(viaProxy().getRecord('9990000026', ALL, ctx()), /more than once/);
  });

  it('refuses a cursor chain that goes round in a circle', async () => {
    let firstNext: unknown;
    tamper = {
      path: '/api/v2/patients/',
      edit: (body) => {
        firstNext ??= body['next'];
        return { ...body, next: firstNext };
      },
    };
    await expectProtocolError(viaProxy({ pageSize: 2 }).getRecord('9990000026', ALL, ctx()), /circle/);
  });

  it('refuses a journal page larger than its limit', async () => {
    await expectProtocolError(viaProxy({ maxPageBytes: 2_000 }).getRecord('9990000026', ALL, ctx()), /exceeds/);
  });
});
