import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulators, type RunningSimulators } from '../../supplier-sim/src/server.js';
import { main } from './conformance.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const lines = (stdout: string, prefix: 'PASS' | 'FAIL' | 'SKIP') =>
  stdout.split('\n').filter((l) => l.startsWith(`${prefix}  `));

describe('conformance CLI', () => {
  let sims: RunningSimulators;
  let nonsense: Server;
  let nonsenseUrl: string;

  beforeAll(async () => {
    sims = await startSimulators({
      seed: 42,
      ports: { P10001: 0, P20002: 0 },
      largeRecord: { consultations: 5, attachments: 1, attachmentBytes: 1_000 },
    });
    // Answers 200 with something that is no supplier's format, to everything.
    nonsense = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('¯\\_(ツ)_/¯'));
    await new Promise<void>((resolve) => nonsense.listen(0, '127.0.0.1', resolve));
    nonsenseUrl = `http://127.0.0.1:${(nonsense.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    nonsense.closeAllConnections();
    await new Promise((resolve) => nonsense.close(resolve));
    await sims?.close();
  });

  it('passes every check against the P10001 simulator with the demo defaults', async () => {
    const { code, stdout, stderr } = await run(['--adapter', 'xml-readv2', '--base-url', sims.urls.P10001!]);
    expect(stderr).toBe('');
    expect(lines(stdout, 'FAIL')).toEqual([]);
    expect(lines(stdout, 'PASS')).toEqual(
      expect.arrayContaining([
        'PASS  reports a dissented patient with the dissent flag, not as missing',
        'PASS  returns only valid FHIR R4 resources',
        'PASS  resolves every reference inside the record',
      ]),
    );
    // P10001 holds no patient with confidential items: that check is reported as skipped.
    expect(lines(stdout, 'SKIP')).toEqual([
      'SKIP  marks confidential items and keeps them in the record (no --confidential patient given)',
    ]);
    const passed = lines(stdout, 'PASS').length;
    expect(stdout).toContain(`\n${passed} passed, 0 failed, 1 skipped\n`);
    expect(code).toBe(0);
  });

  it('says once that a server answering nonsense does not speak the format, and runs no check that needs it', async () => {
    const { code, stdout, stderr } = await run([
      '--adapter',
      'xml-readv2',
      '--base-url',
      nonsenseUrl,
      '--patient',
      '9990000018',
    ]);
    expect(code).toBe(1);
    // Only what needs no system passes; the health check and the abort check prove nothing here.
    expect(lines(stdout, 'PASS')).toEqual(['PASS  names its format']);
    expect(lines(stdout, 'FAIL')).toEqual([]);
    expect(stdout).toContain('----  passes its health check (not run)\n');
    expect(stdout).toMatch(/\n1 passed, 0 failed, 17 not run, 1 skipped\n$/);
    expect(stderr).toBe(
      `conformance: the system at ${nonsenseUrl} does not speak xml-readv2: the first read (a patient search for ` +
        "9990000018) failed: patient search answer: malformed XML at line 1: char '¯' is not expected. Fix --base-url, " +
        'or give --adapter the format of the system there ' +
        '(xml-readv2, json-ctv3, hl7v3-extract, fhir-stu3); if both are right, the adapter cannot read this ' +
        "system's patient search: fix that first.\n",
    );
  });

  it('detects a system of another kind at once: json-ctv3 against the XML system', async () => {
    const { code, stdout, stderr } = await run(['--adapter', 'json-ctv3', '--base-url', sims.urls.P10001!]);
    expect(code).toBe(1);
    expect(stderr).toContain(`conformance: the system at ${sims.urls.P10001!} does not speak json-ctv3`);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(lines(stdout, 'PASS')).toEqual(['PASS  names its format']);
    expect(stdout).not.toContain('SupplierProtocolError');
  });

  it('says once that nothing answers at an unreachable URL, and passes no check that needs the system', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const url = `http://127.0.0.1:${port}`;

    const { code, stdout, stderr } = await run(['--adapter', 'xml-readv2', '--base-url', url]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `conformance: nothing answers at ${url}: start the system or fix --base-url (connection refused, ECONNREFUSED).\n`,
    );
    expect(`${stdout}${stderr}`.match(/ECONNREFUSED/g)).toHaveLength(1);
    expect(lines(stdout, 'PASS')).toEqual(['PASS  names its format']);
    expect(stdout).toContain('----  rejects with SupplierTimeoutError when the signal is aborted (not run)\n');
    expect(stdout).toMatch(/\n1 passed, 0 failed, 17 not run, 1 skipped\n$/);
  });

  it('ends with timeouts, not a hang, against a system that accepts connections and never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const { code, stdout, stderr } = await run(['--adapter', 'xml-readv2', '--base-url', url, '--timeout-ms', '300']);
      expect(code).toBe(1);
      expect(`${stdout}${stderr}`).toMatch(/300 ms|timed out|did not answer/i);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says once that the system does not hold --patient, instead of failing the checks for the adapter', async () => {
    const { code, stdout, stderr } = await run([
      '--adapter',
      'xml-readv2',
      '--base-url',
      sims.urls.P10001!,
      '--patient',
      '9990000026',
      '--dissented',
      '9990000050',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `conformance: the system at ${sims.urls.P10001!} does not hold patient 9990000026: check --patient.`,
    );
    expect(stderr).not.toMatch(/fix the adapter/i);
    expect(lines(stdout, 'FAIL')).toEqual([]);
    expect(lines(stdout, 'PASS')).toEqual(['PASS  names its format']);
    expect(stdout).toContain('----  reads the record of a known patient, for the same Patient (not run)');
  });

  it.each([
    ['xml-readv2', 'P10001', '9990000018'],
    ['json-ctv3', 'P20002', '9990000026'],
  ] as const)(
    'says once that --ods does not match the %s system, instead of failing the checks for the adapter',
    async (adapter, ods, patient) => {
      const url = sims.urls[ods]!;
      const { code, stdout, stderr } = await run(['--adapter', adapter, '--base-url', url, '--ods', 'ABC12']);
      expect(code).toBe(1);
      expect(stderr).toContain(
        `conformance: --ods ABC12 does not match the system at ${url}: the system names the practice of patient ` +
          `${patient} as ${ods}. Give --ods ${ods}, or --base-url of the system that serves ABC12.`,
      );
      expect(stderr).not.toMatch(/fix the adapter/i);
      expect(lines(stdout, 'FAIL')).toEqual([]);
      expect(stdout).toMatch(/1 passed, 0 failed, \d+ not run/);
    },
  );

  it.each([
    [[], '--adapter is required'],
    [['--adapter', 'smoke-signals', '--base-url', 'http://x'], 'Unknown adapter "smoke-signals"'],
    [['--adapter', 'xml-readv2'], '--base-url is required'],
    [['--adapter', 'xml-readv2', '--base-url', 'ftp://x'], '--base-url must be an http:// or https:// URL'],
    [['--adapter', 'xml-readv2', '--base-url', 'http://127.0.0.1:99999'], '--base-url must be an http:// or https://'],
    [['--adapter', 'xml-readv2', '--base-url', 'http://[::1'], '--base-url must be an http:// or https:// URL'],
    [['--adapter', 'xml-readv2', '--base-url', 'http://x', '--patient', '9990000019'], '--patient must be a 10-digit'],
    [['--adapter', 'xml-readv2', '--base-url', 'http://x', '--ods', 'p1'], '--ods must be an ODS code'],
    [['--adapter', 'xml-readv2', '--base-url', 'http://x', '--timeout-ms', '0'], '--timeout-ms must be a positive'],
    [['--adapter', 'xml-readv2', '--colour'], "Unknown option '--colour'"],
  ])('answers %j with usage error "%s" and exit status 2', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: npm run conformance');
  });

  it('prints the usage with --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--adapter <xml-readv2|json-ctv3|hl7v3-extract|fhir-stu3>');
  });
});
