import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenVerifier } from '@lloyd/auth';
import { loadConfig } from '@lloyd/config';
import { authTestApp } from '../../gateway/src/auth/testing/auth-test-app.js';
import { main } from './token.js';
import { freePort } from '@lloyd/test-support';

async function run(argv: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), env: {} };
  const code = await main(argv, timeoutMs === undefined ? io : { ...io, timeoutMs });
  return { code, stdout, stderr };
}

/** A loopback port with nothing listening on it. */

describe('token CLI', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;

  beforeAll(async () => {
    app = await authTestApp(loadConfig({ env: {} }));
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  it('prints only an access token that verifies, with the practitioner and the client organisation', async () => {
    const { code, stdout, stderr } = await run([
      '--client',
      'hospital-epr',
      '--practitioner',
      'G1234567',
      '--base-url',
      baseUrl,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    await expect(app.get(TokenVerifier).verify(stdout.trim())).resolves.toMatchObject({
      clientId: 'hospital-epr',
      organisation: 'RX1',
      practitioner: 'G1234567',
      reason: 'directcare',
      scopes: ['system/*.rs'],
    });
  });

  it('passes scope, emergency reason and reason text through', async () => {
    const { code, stdout } = await run([
      '--client',
      'hospital-epr',
      '--practitioner',
      'G1234567',
      '--scope',
      'system/Patient.rs',
      '--reason',
      'emergency',
      '--reason-text',
      'collapsed in clinic',
      '--base-url',
      `${baseUrl}/`,
    ]);
    expect(code).toBe(0);
    await expect(app.get(TokenVerifier).verify(stdout.trim())).resolves.toMatchObject({
      scopes: ['system/Patient.rs'],
      reason: 'emergency',
      reasonText: 'collapsed in clinic',
    });
  });

  it('exits 2 with a message and usage for an unknown client', async () => {
    const { code, stdout, stderr } = await run(['--client', 'nobody', '--base-url', baseUrl]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Unknown client "nobody"\. Known dev clients: .*hospital-epr/);
    expect(stderr).toMatch(/Usage: npm run -s token/);
  });

  it('exits 2 for a missing --client, an unknown flag or a bad reason', async () => {
    expect(await run([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--client is required/) as string });
    expect(await run(['--client', 'admin', '--bogus'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/bogus/) as string,
    });
    expect(await run(['--client', 'admin', '--reason', 'curiosity'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--reason must be/) as string,
    });
    expect(await run(['--client', 'admin', '--reason', 'emergency'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--reason-text/) as string,
    });
  });

  it("exits 1 with the server's diagnostics when Lloyd refuses", async () => {
    const { code, stdout, stderr } = await run([
      '--client',
      'hospital-epr',
      '--scope',
      'system/admin.write',
      '--base-url',
      baseUrl,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/invalid_scope: Scope system\/admin\.write is not registered for client hospital-epr/);
  });

  it('exits 1 with advice when Lloyd is not running', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, stderr } = await run(['--client', 'hospital-epr', '--base-url', url]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach Lloyd at ${url}: is it running? start it with npm start`);
  });

  it.each([['http://127.0.0.1:99999'], ['http://[::1']])(
    'refuses --base-url %s as a usage error (exit 2)',
    async (url) => {
      const { code, stderr } = await run(['--client', 'auditor', '--base-url', url]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--base-url must be an http:// or https:// URL, not "${url}".`);
    },
  );

  it('gives up, saying the server did not answer in time, when it accepts connections and never answers', async () => {
    const sockets: Socket[] = [];
    const silent: NetServer = createServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const { code, stderr } = await run(['--client', 'auditor', '--base-url', url], 300);
      expect(code).toBe(1);
      expect(stderr).toContain(`token: the server at ${url} did not answer the token request within 0.3 s.`);
      expect(stderr).not.toContain('cannot reach');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("says a server that answers an error that is not Lloyd's does not look like Lloyd's token endpoint", async () => {
    const simulator: Server = createHttpServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<error>no such path</error>'),
    );
    await new Promise<void>((resolve) => simulator.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(simulator.address() as { port: number }).port}`;
    try {
      const { code, stderr } = await run(['--client', 'auditor', '--base-url', url]);
      expect(code).toBe(1);
      expect(stderr).toContain(`token: the server at ${url} does not look like Lloyd's token endpoint`);
      expect(stderr).toContain('HTTP 404 with "<error>no such path</error>"');
      expect(stderr).toContain('Check --base-url');
      expect(stderr).not.toContain('Lloyd refused');
    } finally {
      simulator.closeAllConnections();
      await new Promise((resolve) => simulator.close(resolve));
    }
  });
});
