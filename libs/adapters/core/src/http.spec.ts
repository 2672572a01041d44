import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import {
  DocumentTooLargeError,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
} from './errors.js';
import {
  getDocumentById,
  getDocumentFromSupplier,
  getFromSupplier,
  throwIfServerError,
  toSupplierError,
} from './http.js';

const identity = { ods: 'A12345', format: 'test-format' };
const ctx = (signal = new AbortController().signal) => ({ signal, correlationId: 'corr-1' });

describe('getFromSupplier', () => {
  let server: Server;
  let base: string;
  const seen: { correlation?: string | string[] } = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.correlation = req.headers['x-correlation-id'];
      const path = req.url ?? '/';
      if (path === '/ok') return res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
      if (path === '/missing') return res.writeHead(404).end('nope');
      if (path === '/broken') return res.writeHead(503).end('down');
      if (path === '/big') return res.writeHead(200).end('x'.repeat(5000));
      if (path === '/slow') return setTimeout(() => res.writeHead(200).end('late'), 5000).unref();
      if (path === '/reset') return req.socket.destroy();
      if (path === '/versioned') {
        if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304, { etag: '"v1"' }).end();
        return res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain' }).end('\ufeffversioned');
      }
      return res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (
    path: string,
    extra: { expectedStatuses?: number[]; maxBytes?: number; signal?: AbortSignal; ifNoneMatch?: string } = {},
  ) =>
    getFromSupplier(
      {
        url: new URL(path, base),
        label: 'test call',
        accept: 'text/plain',
        maxBytes: extra.maxBytes ?? 1000,
        ...(extra.expectedStatuses ? { expectedStatuses: extra.expectedStatuses } : {}),
        ...(extra.ifNoneMatch ? { ifNoneMatch: extra.ifNoneMatch } : {}),
      },
      identity,
      ctx(extra.signal),
    );

  it('returns the body and forwards the correlation id', async () => {
    await expect(get('/ok')).resolves.toEqual({ status: 200, contentType: 'text/plain', body: 'fine' });
    expect(seen.correlation).toBe('corr-1');
  });

  it('returns the ETag, leaves out a byte order mark, and accepts 304 only when it asked with If-None-Match', async () => {
    await expect(get('/versioned')).resolves.toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'versioned',
      etag: '"v1"',
    });
    await expect(get('/versioned', { ifNoneMatch: '"v1"' })).resolves.toEqual({
      status: 304,
      contentType: '',
      body: '',
      etag: '"v1"',
    });
    await expect(get('/versioned', { ifNoneMatch: '"v0"' })).resolves.toMatchObject({ status: 200, etag: '"v1"' });
  });

  it('passes expected statuses through and calls other 4xx a protocol error', async () => {
    await expect(get('/missing', { expectedStatuses: [404] })).resolves.toMatchObject({ status: 404 });
    await expect(get('/missing')).rejects.toBeInstanceOf(SupplierProtocolError);
  });

  it('calls a 5xx unavailable, keeping the status', async () => {
    const err = await get('/broken').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect((err as SupplierUnavailableError).status).toBe(503);
    expect((err as Error).message).toBe(
      'Supplier system of practice A12345 (test-format) is unavailable: HTTP 503 to the test call. ' +
        (err as SupplierUnavailableError).hint,
    );
  });

  it('refuses an answer larger than the limit', async () => {
    await expect(get('/big', { maxBytes: 100 })).rejects.toThrow(/exceeds the limit/);
  });

  it('calls a reset connection unavailable', async () => {
    await expect(get('/reset')).rejects.toBeInstanceOf(SupplierUnavailableError);
  });

  it('calls a refused connection unavailable, naming the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await getFromSupplier(
      { url: new URL(`http://127.0.0.1:${port}/`), label: 'x', accept: '*/*', maxBytes: 10 },
      identity,
      ctx(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SupplierUnavailableError);
    expect((err as Error).message).toContain('connection refused (ECONNREFUSED)');
  });

  it('calls an answer that is not HTTP at all unavailable (a wrong port, a broken proxy), not an adapter bug', async () => {
    const junk = createTcpServer((socket) =>
      socket.end('SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n\r\n', () => socket.destroy()),
    );
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    try {
      const port = (junk.address() as AddressInfo).port;
      const err = await getFromSupplier(
        { url: new URL(`http://127.0.0.1:${port}/`), label: 'x', accept: '*/*', maxBytes: 10 },
        identity,
        ctx(),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SupplierUnavailableError);
      expect((err as Error).message).toMatch(/not HTTP/);
    } finally {
      junk.close();
    }
  });

  it('calls an aborted call a timeout, before or during the request', async () => {
    await expect(get('/ok', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(SupplierTimeoutError);
    const controller = new AbortController();
    const pending = get('/slow', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(SupplierTimeoutError);
  });
});

describe('toSupplierError', () => {
  const live = new AbortController().signal;

  it('leaves supplier errors and adapter bugs alone', () => {
    const supplier = new SupplierProtocolError({ ...identity, detail: 'x' });
    expect(toSupplierError(supplier, identity, live)).toBe(supplier);
    const bug = new RangeError('bug');
    expect(toSupplierError(bug, identity, live)).toBe(bug);
  });

  it('wraps non-Error throwables', () => {
    const err = toSupplierError('odd', identity, live);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('odd');
  });
});

describe('throwIfServerError', () => {
  it('makes a 5xx an unavailable system, with its status, and releases the body unread', async () => {
    const response = new Response('overloaded', { status: 503 });
    const error: unknown = await throwIfServerError(response, identity, 'record export').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SupplierUnavailableError);
    expect((error as SupplierUnavailableError).status).toBe(503);
    expect((error as Error).message).toContain('HTTP 503 to the record export');
    expect(response.bodyUsed || response.body?.locked).toBeTruthy();
  });

  it('lets other answers through, their bodies untouched', async () => {
    for (const status of [200, 304, 404, 499]) {
      const response = new Response(status === 304 ? null : 'x', { status });
      await expect(throwIfServerError(response, identity, 'record export')).resolves.toBeUndefined();
      expect(response.bodyUsed).toBe(false);
    }
  });
});

describe('getDocumentFromSupplier and getDocumentById', () => {
  let server: Server;
  let base: URL;
  const requested: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      requested.push(path);
      if (path === '/system/documents/letter%201')
        return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4 letter');
      if (path === '/system/documents/untyped') return res.end('bytes');
      if (path === '/system/documents/declared-big')
        return res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
      if (path === '/system/documents/chunked-big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('x'.repeat(600));
        return res.end('x'.repeat(600));
      }
      if (path === '/system/documents/refused') return res.writeHead(422).end('too costly');
      if (path === '/system/documents/down') return res.writeHead(503).end('down');
      if (path === '/system/documents/odd') return res.writeHead(302, { location: '/elsewhere' }).end();
      return res.writeHead(404).end('no such document');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/system/`);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const document = (contentType?: string): fhir4.DocumentReference => ({
    resourceType: 'DocumentReference',
    status: 'current',
    content: [{ attachment: contentType ? { contentType } : {} }],
  });
  const byId = (id: string, maxBytes = 1000, contentType?: string) =>
    getDocumentById({ base, path: 'documents/', id, maxBytes }, document(contentType), identity, ctx());

  it('reads a document whole, with the type the system gives, by its id (encoded into the path)', async () => {
    const served = await byId('letter 1');
    expect(served?.contentType).toBe('application/pdf');
    expect(served?.content.toString()).toBe('%PDF-1.4 letter');
  });

  it('falls back on the type the record gives when the system sends none', async () => {
    expect((await byId('untyped', 1000, 'text/plain'))?.contentType).toBe('text/plain');
    expect((await byId('untyped'))?.contentType).toBe('application/octet-stream');
  });

  it('answers null for a document the system does not have', async () => {
    await expect(byId('absent')).resolves.toBeNull();
  });

  it('refuses a document over the limit, by declared length, by what arrives, or by the system’s own refusal', async () => {
    for (const id of ['declared-big', 'chunked-big', 'refused']) {
      await expect(byId(id)).rejects.toBeInstanceOf(DocumentTooLargeError);
    }
  });

  it('calls a 5xx unavailable, and any other answer a protocol error', async () => {
    await expect(byId('down')).rejects.toBeInstanceOf(SupplierUnavailableError);
    await expect(byId('odd')).rejects.toBeInstanceOf(SupplierProtocolError);
  });

  it('never fetches an address off the system, refusing it as a protocol error', async () => {
    const before = requested.length;
    for (const url of ['http://elsewhere.example/system/documents/x', new URL('/other/documents/x', base).href]) {
      await expect(
        getDocumentFromSupplier({ base, url: new URL(url), maxBytes: 1000 }, identity, ctx()),
      ).rejects.toThrow(/outside the system/);
    }
    expect(requested.length).toBe(before);
  });
});
