import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { auditEventKey, AuditTrail } from '@lloyd/access';
import { loadConfig } from '@lloyd/config';
import { MetricsService } from '@lloyd/observability';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { accessTestApp, bearer } from '../../gateway/src/admin/testing/access-test-app.js';
import { main } from './audit-verify.js';
import { freePort } from '@lloyd/test-support';

async function run(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe('audit:verify CLI', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--base-url', 'ftp://x'], /--base-url must be an http/],
    [['extra'], /positional/],
  ])('refuses bad usage %j with exit 2 and the usage text', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('Usage: npm run -s audit:verify');
  });

  it('prints help with exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Exit codes: 0 the chain is intact, 1 the chain is broken, 2/);
  });

  it('says plainly when Lloyd is not reachable, with exit 2', async () => {
    const { code, stdout, stderr } = await run(['--base-url', `http://127.0.0.1:${await freePort()}`, '--token', 'x']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/REDIS_URL is not set\. With the in-process store .* exists only inside the running/s);
    expect(stderr).toMatch(/cannot reach Lloyd at .*: is it running\? Start it with npm start/);
  });

  it('gives up with exit 2 when Lloyd accepts the check and never answers, saying what to do', async () => {
    const silent: Server = createHttpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      let stderr = '';
      const code = await main(['--base-url', url, '--token', 'x'], {
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
        env: {},
        timeoutMs: 200,
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/did not finish the check within 0\.2 s.*REDIS_URL/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('stops with exit 2 on a configuration error', async () => {
    const { code, stderr } = await run([], { PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/PORT="eighty" must be a whole number/);
  });

  describe('against a running Lloyd with the in-process store', () => {
    let app: NestFastifyApplication;
    let kv: InMemoryKeyValueStore;
    let baseUrl: string;

    beforeAll(async () => {
      kv = new InMemoryKeyValueStore();
      app = await accessTestApp(loadConfig({ env: {} }), { store: kv });
      await app.listen(0, '127.0.0.1');
      baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      for (let i = 0; i < 3; i++) {
        await app.get(AuditTrail).record({
          kind: 'patient-access',
          interaction: 'read',
          who: { clientId: 'hospital-epr', organisation: 'RX1', practitioner: 'G1234567' },
          correlationId: `req-${i}`,
          patient: '9990000018',
        });
      }
    });

    afterAll(async () => {
      await app.close();
    });

    it('reports an intact chain with exit 0, getting a token as the dev auditor', async () => {
      const { code, stdout, stderr } = await run(['--base-url', baseUrl]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain(
        `OK: the audit chain is intact. Checked 3 events in the running Lloyd at ${baseUrl} (in-process store)`,
      );
    });

    it('refuses a token without the audit scope with exit 2', async () => {
      const token = (await bearer(app, 'admin')).slice('Bearer '.length);
      const { code, stderr } = await run(['--base-url', baseUrl, '--token', token]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/Lloyd refused the check \(HTTP 403\): .*system\/AuditEvent\.read/);
    });

    it('reports the first tampered event with exit 1', async () => {
      const raw = (await kv.get(auditEventKey(2)))!;
      await kv.set(auditEventKey(2), raw.replace('"req-1"', '"req-x"'));
      const { code, stdout } = await run(['--base-url', baseUrl]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/BROKEN at event 2: event 2 does not match its hash/);
      expect(stdout).toContain('The 1 event before it are intact; the head is at event 3.');
      await kv.set(auditEventKey(2), raw);
    });
  });

  describe('given something that is not an audit trail', () => {
    let server: Server;
    let url: string;

    beforeAll(async () => {
      server = createHttpServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('says the check could not be made (exit 2) when the server answers 200 with other JSON', async () => {
      const { code, stdout, stderr } = await run(['--base-url', url, '--token', 'x']);
      expect(code).toBe(2);
      expect(stdout).not.toContain('BROKEN');
      expect(stderr).toContain(
        `the check could not be made: ${url}/admin/audit/$verify answered HTTP 200 with JSON that is not an audit ` +
          'chain report (it starts with "{"hello":"world"}").',
      );
      expect(stderr).toContain('Check --base-url.');
    });
  });

  describe('archive files', () => {
    let dir: string;
    let events: string[];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lloyd-audit-verify-'));
      const kv = new InMemoryKeyValueStore();
      const trail = new AuditTrail(kv, new MetricsService({ defaultMetrics: false }));
      events = [];
      for (let i = 1; i <= 3; i++) {
        await trail.record({
          kind: 'patient-access',
          interaction: 'read',
          who: { clientId: 'hospital-epr', organisation: 'RX1' },
          correlationId: `req-${i}`,
          patient: '9990000018',
        });
        events.push((await kv.get(auditEventKey(i)))!);
      }
    });

    const archive = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };

    it.each([
      ['a PDF', 'x.pdf', '%PDF-1.4\n%âãÏÓ\n1 0 obj\n', '%PDF-1.4'],
      ['a FHIR Bundle', 'bundle.json', '{\n  "resourceType": "Bundle",\n  "entry": []\n}\n', '{'],
      [
        'a FHIR Bundle on one line',
        'bundle1.json',
        '{"resourceType":"Bundle","entry":[]}\n',
        '{"resourceType":"Bundle"',
      ],
    ])('says %s is not an audit archive, with exit 2', async (_what, name, text, start) => {
      const file = archive(name, text);
      const { code, stdout, stderr } = await run(['--archive', file]);
      expect(code).toBe(2);
      expect(stdout).not.toContain('BROKEN');
      expect(stderr).toContain(`${file} is not an audit archive: its first line is not an audit event`);
      expect(stderr).toContain(`(it starts with "${start}`);
    });

    it('ignores blank lines after the last event', async () => {
      const file = archive('trailing.ndjson', `${events.join('\n')}\n\n\r\n`);
      const { code, stdout } = await run(['--archive', file]);
      expect(code).toBe(0);
      expect(stdout).toContain('OK: 3 archived events intact in 1 file: events 1–3');
    });

    it('reports a blank line between events as a break, with exit 1', async () => {
      const file = archive('gap.ndjson', `${events[0]}\n\n${events[1]}\n${events[2]}\n`);
      const { code, stdout } = await run(['--archive', file]);
      expect(code).toBe(1);
      expect(stdout).toContain(`BROKEN at ${file} line 2: a blank line between events`);
    });

    it('still reports an altered first event as a break, not as another kind of file', async () => {
      const file = archive('edited.ndjson', `${events[0]!.replace('"req-1"', '"req-x"')}\n${events[1]}\n`);
      const { code, stdout } = await run(['--archive', file]);
      expect(code).toBe(1);
      expect(stdout).toContain(`BROKEN at ${file} line 1`);
    });

    it('takes a relative --archive from the directory npm was run in (INIT_CWD)', async () => {
      archive('relative.ndjson', `${events.join('\n')}\n`);
      const { code, stdout } = await run(['--archive', 'relative.ndjson'], { INIT_CWD: dir });
      expect(code).toBe(0);
      expect(stdout).toContain('OK: 3 archived events intact');
      const missing = await run(['--archive', 'absent.ndjson'], { INIT_CWD: dir });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`cannot read ${join(dir, 'absent.ndjson')}`);
    });
  });
});
