/**
 * `npm run conformance -- --adapter <name> --base-url <url>`: runs the supplier adapter conformance checks (the same
 * ones the adapters' Jest suites run) against a live supplier system and prints a pass/fail line per check.
 */
import { pathToFileURL } from 'node:url';
import { CODE_SYSTEMS, type SupplierAdapter } from '@lloyd/adapters-core';
import {
  CONFORMANCE_CHECKS,
  preflightConformance,
  runConformanceChecks,
  type ConformanceFixture,
  type ConformanceResult,
} from '@lloyd/adapters-core-testing';
import { FhirStu3Adapter } from '@lloyd/adapter-fhir-stu3';
import { Hl7v3ExtractAdapter } from '@lloyd/adapter-hl7v3-extract';
import { JsonCtv3Adapter } from '@lloyd/adapter-json-ctv3';
import { XmlReadV2Adapter } from '@lloyd/adapter-xml-readv2';
import { isValidNhsNumber } from '@lloyd/fhir';
import { fixtureProblem, type FixtureTarget } from './conformance-fixture-check.js';
import { exitQuietlyWhenStdoutCloses, httpBaseUrl, parseCliOptions } from './cli-support.js';

const ADAPTER_NAMES = ['xml-readv2', 'json-ctv3', 'hl7v3-extract', 'fhir-stu3'] as const;
type AdapterName = (typeof ADAPTER_NAMES)[number];

interface AdapterConnection {
  readonly ods: string;
  readonly baseUrl: string;
}

/** The adapters this build can run; adding one is one line. */
const FACTORIES: Partial<Record<AdapterName, (connection: AdapterConnection) => SupplierAdapter>> = {
  'xml-readv2': (c) => new XmlReadV2Adapter(c),
  'json-ctv3': (c) => new JsonCtv3Adapter(c),
  'fhir-stu3': (c) => new FhirStu3Adapter(c),
  'hl7v3-extract': (c) => new Hl7v3ExtractAdapter(c),
};

/** Each format's demo practice and patients (CONTRACT.md), and the code systems its records use. */
interface DemoDefaults {
  readonly ods: string;
  readonly patient: string;
  readonly dissented?: string;
  readonly confidential?: string;
  readonly nativeCodeSystems: readonly string[];
}

const DEMO: Record<AdapterName, DemoDefaults> = {
  'xml-readv2': {
    ods: 'P10001',
    patient: '9990000018',
    dissented: '9990000050',
    nativeCodeSystems: [CODE_SYSTEMS.readv2],
  },
  'json-ctv3': {
    ods: 'P20002',
    patient: '9990000026',
    confidential: '9990000069',
    nativeCodeSystems: [CODE_SYSTEMS.ctv3],
  },
  'hl7v3-extract': {
    ods: 'P30003',
    patient: '9990000034',
    nativeCodeSystems: [CODE_SYSTEMS.readv2, CODE_SYSTEMS.snomed],
  },
  'fhir-stu3': { ods: 'P40004', patient: '9990000042', nativeCodeSystems: [CODE_SYSTEMS.snomed] },
};

/** A valid NHS number no demo system holds. */
const DEMO_UNKNOWN = '9990000115';
const DEFAULT_TIMEOUT_MS = 30_000;

const USAGE = `Usage: npm run conformance -- --adapter <${ADAPTER_NAMES.join('|')}> --base-url <url>
                              [--ods <code>] [--patient <nhs>] [--unknown <nhs>] [--dissented <nhs>]
                              [--confidential <nhs>] [--timeout-ms <ms>]

Runs Lloyd's supplier adapter conformance checks against a live supplier system and prints one line per check.
  --adapter       the native format's adapter
  --base-url      the supplier system's base URL, e.g. http://127.0.0.1:8091
  --ods           the practice the system serves (default: the format's demo practice)
  --patient       NHS number of a patient with a full record (default: the demo practice's full-record patient)
  --unknown       a valid NHS number the system does not hold (default ${DEMO_UNKNOWN})
  --dissented     a patient who dissented from sharing (default for xml-readv2: 9990000050; the check is skipped without one)
  --confidential  a patient with confidential items (default for json-ctv3: 9990000069; skipped without one)
  --timeout-ms    deadline for each call to the system (default ${DEFAULT_TIMEOUT_MS})
Exit status: 0 when every check passes, 1 when one fails or the system cannot be checked, 2 on bad usage.
`;

export interface ConformanceCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: ConformanceCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

interface Options {
  readonly adapter: AdapterName;
  readonly connection: AdapterConnection;
  readonly fixture: ConformanceFixture;
  readonly target: FixtureTarget;
}

function nhsOption(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isValidNhsNumber(value)) {
    throw new UsageError(`--${name} must be a 10-digit NHS number with a valid check digit, not "${value}".`);
  }
  return value;
}

function parseOptions(argv: string[]): Options | 'help' {
  const values = parseCliOptions(
    argv,
    {
      adapter: { type: 'string' },
      'base-url': { type: 'string' },
      ods: { type: 'string' },
      patient: { type: 'string' },
      unknown: { type: 'string' },
      dissented: { type: 'string' },
      confidential: { type: 'string' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    (message) => new UsageError(message),
  );
  if (values.help) return 'help';
  const adapter = values.adapter as AdapterName | undefined;
  if (!adapter) throw new UsageError('--adapter is required.');
  if (!ADAPTER_NAMES.includes(adapter)) {
    throw new UsageError(`Unknown adapter "${adapter}". Known adapters: ${ADAPTER_NAMES.join(', ')}.`);
  }
  if (!FACTORIES[adapter]) {
    throw new UsageError(
      `The ${adapter} adapter is not built into this version of Lloyd yet. Available: ${Object.keys(FACTORIES).join(', ')}.`,
    );
  }
  const baseUrl = values['base-url'];
  if (!baseUrl) throw new UsageError('--base-url is required: the supplier system to check.');
  if (httpBaseUrl(baseUrl) === undefined) {
    throw new UsageError(`--base-url must be an http:// or https:// URL, not "${baseUrl}".`);
  }
  if (values.ods !== undefined && !/^[A-Z0-9]{3,10}$/.test(values.ods)) {
    throw new UsageError(`--ods must be an ODS code (3-10 upper-case letters or digits), not "${values.ods}".`);
  }
  const timeout = values['timeout-ms'] === undefined ? DEFAULT_TIMEOUT_MS : Number(values['timeout-ms']);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new UsageError(
      `--timeout-ms must be a positive whole number of milliseconds, not "${values['timeout-ms']}".`,
    );
  }
  const demo = DEMO[adapter];
  const patient = nhsOption('patient', values.patient) ?? demo.patient;
  return {
    adapter,
    connection: { ods: values.ods ?? demo.ods, baseUrl },
    target: {
      baseUrl,
      ods: values.ods ?? demo.ods,
      odsGiven: values.ods !== undefined,
      patientGiven: values.patient !== undefined,
    },
    fixture: {
      knownPatient: patient,
      fullRecordPatient: patient,
      unknownPatient: nhsOption('unknown', values.unknown) ?? DEMO_UNKNOWN,
      dissentedPatient: nhsOption('dissented', values.dissented) ?? demo.dissented,
      confidentialPatient: nhsOption('confidential', values.confidential) ?? demo.confidential,
      nativeCodeSystems: demo.nativeCodeSystems,
      timeoutMs: timeout,
    },
  };
}

function skipReason(name: string): string {
  if (name.includes('dissented')) return ' (no --dissented patient given)';
  if (name.includes('confidential')) return ' (no --confidential patient given)';
  return '';
}

/** Prints one line per check; a failure's reason in full the first time, then by reference to that check. */
function lineWriter(): (result: ConformanceResult) => string {
  const seen = new Map<string, string>();
  return (result) => {
    switch (result.status) {
      case 'passed':
        return `PASS  ${result.name}\n`;
      case 'skipped':
        return `SKIP  ${result.name}${skipReason(result.name)}\n`;
      case 'not-run':
        return `----  ${result.name} (not run)\n`;
      case 'failed': {
        const reason = result.reason ?? 'failed';
        const first = seen.get(reason);
        if (first === undefined) seen.set(reason, result.name);
        const text = first === undefined ? reason : `the same failure as "${first}"`;
        return `FAIL  ${result.name}\n${text
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n')}\n`;
      }
    }
  };
}

/**
 * Why the checks that call the system cannot be run, said once: the kit's pre-check (nothing answers, the system is
 * failing or of another format, or too slow), then whether the system holds --patient and serves --ods.
 */
async function precheck(create: () => SupplierAdapter, options: Options): Promise<string | null> {
  const { fixture, target } = options;
  const found = await preflightConformance(create(), fixture, {
    target: target.baseUrl,
    fixTarget: 'fix --base-url',
    fixAdapter: `give --adapter the format of the system there (${ADAPTER_NAMES.join(', ')})`,
  });
  return found?.message ?? (await fixtureProblem(create(), fixture, target));
}

/** Runs only the checks that need no system; the others are reported not run, as the kit does after its pre-check. */
async function runWithoutSystem(
  create: () => SupplierAdapter,
  fixture: ConformanceFixture,
  problem: string,
  onResult: (result: ConformanceResult) => void,
): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const check of CONFORMANCE_CHECKS) {
    if (check.needsSystem === false) {
      results.push(...(await runConformanceChecks(create, fixture, onResult, { checks: [check] })));
      continue;
    }
    const skipped = check.appliesTo !== undefined && !check.appliesTo(fixture);
    const result: ConformanceResult = skipped
      ? { name: check.name, status: 'skipped' }
      : { name: check.name, status: 'not-run', reason: problem };
    results.push(result);
    onResult(result);
  }
  return results;
}

/** Runs the checks; resolves to the exit code (0 all passed, 1 a check failed or could not run, 2 bad usage). */
export async function main(argv: string[], io: ConformanceCliIo = processIo): Promise<number> {
  let options: Options;
  try {
    const parsed = parseOptions(argv);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    options = parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`conformance: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  const { adapter, connection, fixture } = options;
  io.stdout(`Conformance of the ${adapter} adapter for practice ${connection.ods} at ${connection.baseUrl}\n`);
  const create = () => FACTORIES[adapter]!(connection);
  const problem = await precheck(create, options);
  if (problem !== null) io.stderr(`conformance: ${problem}\n`);
  const line = lineWriter();
  const onResult = (result: ConformanceResult) => io.stdout(line(result));
  const results =
    problem === null
      ? await runConformanceChecks(create, fixture, onResult)
      : await runWithoutSystem(create, fixture, problem, onResult);
  const count = (status: ConformanceResult['status']) => results.filter((r) => r.status === status).length;
  const [passed, failed, notRun, skipped] = [count('passed'), count('failed'), count('not-run'), count('skipped')];
  const parts = [
    `${passed} passed`,
    `${failed} failed`,
    ...(notRun > 0 ? [`${notRun} not run`] : []),
    ...(skipped > 0 ? [`${skipped} skipped`] : []),
  ];
  io.stdout(`${parts.join(', ')}\n`);
  // The pre-check's message (on stderr) said why the checks that call the system were not run.
  if (problem !== null) return 1;
  if (failed > 0) {
    io.stderr(
      'conformance: some checks failed. Each FAIL line says what the adapter returned; fix the adapter (or the ' +
        "system's answers) and run again. Check --base-url and --ods if nothing passes.\n",
    );
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exitQuietlyWhenStdoutCloses();
  process.exitCode = await main(process.argv.slice(2));
}
