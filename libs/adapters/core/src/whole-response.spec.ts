import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestWhole, type WholeRequest } from './whole-response.js';

describe('requestWhole', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      requests.push(`${path} ${String(req.headers['x-test'])}`);
      if (path === '/chunks') {
        res.writeHead(200, [
          ['content-type', 'text/plain'],
          ['x-twice', 'one'],
          ['x-twice', 'two'],
        ]);
        res.write('first,');
        setTimeout(() => res.end('second'), 5);
        return;
      }
      if (path === '/declared') return res.writeHead(200, { 'content-length': '3000' }).end('x'.repeat(3000));
      if (path === '/undeclared') {
        res.writeHead(200);
        res.write('x'.repeat(600));
        return setTimeout(() => res.end('x'.repeat(600)), 5);
      }
      if (path === '/broken') return res.writeHead(503).end('y'.repeat(3000));
      if (path === '/stalls') {
        res.writeHead(200);
        res.write('start');
        return;
      }
      if (path === '/hints') {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        return setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('after hints'), 5);
      }
      if (path === '/not-modified') return res.writeHead(304, { etag: '"v1"' }).end();
      return res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const refused = (declared: number) => new Error(`too large (${declared})`);
  const get = (path: string, extra: Partial<WholeRequest> = {}) =>
    requestWhole({
      url: new URL(path, base),
      headers: { 'x-test': 'sent' },
      signal: new AbortController().signal,
      maxBytes: 1000,
      keepBody: (status) => status === 200,
      tooLarge: refused,
      ...extra,
    });

  it('reads a body that arrives in pieces whole, with its status, headers and the request headers sent', async () => {
    const answer = await get('/chunks');
    expect(answer.statusCode).toBe(200);
    expect(answer.body.toString()).toBe('first,second');
    expect(answer.header('content-type')).toBe('text/plain');
    expect(answer.header('x-twice')).toBe('one');
    expect(answer.header('absent')).toBeUndefined();
    expect(requests).toContain('/chunks sent');
  });

  it('answers with the final status and headers after informational (1xx) answers', async () => {
    const answer = await get('/hints');
    expect(answer).toMatchObject({ statusCode: 200 });
    expect(answer.body.toString()).toBe('after hints');
    expect(answer.header('link')).toBeUndefined();
  });

  it('refuses a wanted body over the limit, by its declared length or by what arrives', async () => {
    await expect(get('/declared')).rejects.toThrow('too large (3000)');
    await expect(get('/undeclared')).rejects.toThrow('too large (NaN)');
    await expect(get('/undeclared', { maxBytes: 1200 })).resolves.toMatchObject({ statusCode: 200 });
  });

  it('drops a body it does not want, whatever its size, and answers with the status', async () => {
    const answer = await get('/broken');
    expect(answer.statusCode).toBe(503);
    expect(answer.body.byteLength).toBe(0);
    const notModified = await get('/not-modified');
    expect(notModified).toMatchObject({ statusCode: 304 });
    expect(notModified.header('etag')).toBe('"v1"');
  });

  it('keeps the connection usable after bodies it dropped or refused', async () => {
    for (let i = 0; i < 5; i++) {
      await get('/broken');
      await get('/declared').catch(() => undefined);
      await expect(get('/ok').then((a) => a.body.toString())).resolves.toBe('ok');
    }
  });

  it('rejects with the signal’s reason when aborted before the call or while the body arrives', async () => {
    const reason = new Error('deadline');
    await expect(get('/ok', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const pending = get('/stalls', { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('stops a call aborted as soon as it was made, before undici has started it', async () => {
    const reason = new Error('deadline');
    const controller = new AbortController();
    const pending = get('/stalls', { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  }, 2000);

  it('lets go of the signal once the call ends, however it ends', async () => {
    const controller = new AbortController();
    await get('/ok', { signal: controller.signal });
    await get('/declared', { signal: controller.signal }).catch(() => undefined);
    await get('/broken', { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the connection’s error when the system cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(get(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
