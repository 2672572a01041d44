import { createServer } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenVerifier } from '@lloyd/auth';
import { loadConfig } from '@lloyd/config';
import { authTestApp } from '../../gateway/src/auth/testing/auth-test-app.js';
import { main } from './token.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await run(['--client', 'hospital-epr', '--base-url', url]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach Lloyd at ${url}: is it running? start it with npm start`);
  });
});
