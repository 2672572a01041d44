// Runs the gateway's tracing preload (apps/gateway/src/otel.ts) the way production does, `node --import otel.js
// main.js`, in a child process: http instrumentation patches modules through require hooks, which Jest's module
// loader bypasses, so only a real Node process shows whether inbound and outbound http spans are produced.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFileSync } from '@swc/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const aliases = (
  JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  }
).compilerOptions.paths;

/**
 * Compiles the preload and every module it reaches in this repository into `out` (same layout, ESM), with the
 * `@lloyd/*` aliases turned into relative paths as `nest build` does. Returns the compiled preload's path.
 */
function buildPreload(out: string, entry: string): string {
  const pending = [entry];
  const done = new Set<string>();
  while (pending.length > 0) {
    const source = pending.pop()!;
    if (done.has(source)) continue;
    done.add(source);
    const target = join(out, source.replace(/\.ts$/, '.js'));
    const { code } = transformFileSync(join(root, source), {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2022',
      },
      module: { type: 'es6' },
    });
    const rewritten = code.replace(
      /(from\s*|import\s*\(?\s*)(['"])([^'"]+)\2/g,
      (match, lead: string, q: string, spec: string) => {
        let dependency: string | undefined;
        if (spec.startsWith('.')) dependency = join(dirname(source), spec).replace(/\.js$/, '.ts');
        else if (aliases[spec]?.[0]) dependency = normalize(aliases[spec][0]);
        if (!dependency) return match;
        pending.push(dependency);
        const path = relative(dirname(source), dependency).split(sep).join('/').replace(/\.ts$/, '.js');
        return `${lead}${q}${path.startsWith('.') ? path : `./${path}`}${q}`;
      },
    );
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, rewritten);
  }
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  return join(out, entry.replace(/\.ts$/, '.js'));
}

// The child's "application": a Fastify server it calls itself through http.get (an outbound and an inbound
// request in one trace), a health probe, then it reports and signals itself to stop. It imports ioredis from ESM as
// libs/store does; whether the client class is wrapped shows that Redis commands will be traced (no Redis needed).
const MAIN = `
import http from 'node:http';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
const app = Fastify();
app.get('/fhir/Patient/:id', async () => ({ resourceType: 'Patient' }));
app.get('/health/live', async () => ({ status: 'ok' }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const get = (path) => new Promise((resolve, reject) => {
  http.get(url + path, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});
await get('/fhir/Patient/9990000018');
await get('/health/live');
const api = globalThis[Symbol.for('opentelemetry.js.api.1')];
console.log(JSON.stringify({
  tracerRegistered: Boolean(api && api.trace),
  ioredisPatched: Boolean(Redis.prototype.sendCommand.__wrapped),
  sigtermListeners: process.listenerCount('SIGTERM'),
}));
if (process.env.STOP_WITH_SIGNAL) process.kill(process.pid, 'SIGTERM');
else await app.close();
`;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: OtlpSpan['attributes'] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

function attr(attrs: OtlpSpan['attributes'], key: string): string | number | undefined {
  const value = attrs.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
}

describe('tracing preload (node --import otel.js)', () => {
  let dir: string;
  let preload: string;
  let main: string;
  let collector: Server;
  let collectorUrl: string;
  const exports: OtlpExport[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lloyd-otel-preload-'));
    preload = buildPreload(dir, 'apps/gateway/src/otel.ts');
    main = join(dir, 'main.js');
    writeFileSync(main, MAIN);
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') exports.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    exports.length = 0;
  });

  function run(env: Record<string, string>) {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('OTEL_') && !['LLOYD_CONFIG', 'REDIS_URL', 'PORT', 'HOST'].includes(k),
      ),
    );
    const child = spawn(process.execPath, ['--import', preload, main], { cwd: root, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      report: Record<string, unknown>;
      stderr: string;
    }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (!line) return reject(new Error(`child printed no report (exit ${code ?? signal}):\n${stdout}\n${stderr}`));
        resolve({ code, signal, report: JSON.parse(line) as Record<string, unknown>, stderr });
      });
    });
  }

  it('exports linked client and server spans with the route pattern, flushed on SIGTERM, then lets the process stop', async () => {
    const result = await run({
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_TRACES_SAMPLER_ARG: '1',
      STOP_WITH_SIGNAL: '1',
    });

    // The preload's listener flushed, then re-raised the signal because the app had no handler of its own.
    expect(result.signal).toBe('SIGTERM');
    expect(result.report).toEqual({ tracerRegistered: true, ioredisPatched: true, sigtermListeners: 1 });

    const resources = exports.flatMap((e) => e.resourceSpans);
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(attr(resources[0]!.resource.attributes, 'service.name')).toBe('lloyd');

    const client = spans.find((s) => s.kind === SPAN_KIND_CLIENT);
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER);
    expect(client).toBeDefined();
    expect(server).toBeDefined();
    expect(server!.traceId).toBe(client!.traceId);
    expect(server!.parentSpanId).toBe(client!.spanId);
    expect(attr(server!.attributes, 'http.route')).toBe('/fhir/Patient/:id');
    expect(spans.filter((s) => s.traceId === server!.traceId).length).toBeGreaterThan(2);
    // Probes are not traced on the server side (the child's own outgoing probe still has a client span).
    const probeSpans = spans.filter((s) => s.kind !== SPAN_KIND_CLIENT && JSON.stringify(s).includes('/health/live'));
    expect(probeSpans).toEqual([]);
  });

  it('loads no SDK and installs no signal handler without an endpoint', async () => {
    const result = await run({});

    expect(result.code).toBe(0);
    expect(result.report).toEqual({ tracerRegistered: false, ioredisPatched: false, sigtermListeners: 0 });
    expect(exports).toEqual([]);
  });

  it('leaves an invalid configuration to the entry point to report, and does not trace', async () => {
    const result = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, PORT: 'eighty' });

    expect(result.code).toBe(0);
    expect(result.report).toEqual({ tracerRegistered: false, ioredisPatched: false, sigtermListeners: 0 });
    expect(result.stderr).toBe('');
  });
});
