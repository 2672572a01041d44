/**
 * The supplier adapter conformance checks: plain async functions, so that the same checks run as a Jest suite
 * (`describeSupplierAdapterContract`) and from the command line against a live system (`npm run conformance`).
 * A check resolves when the adapter conforms and rejects with a {@link ConformanceFailure} saying what is wrong.
 */
import { NHS_NUMBER_SYSTEM, isValidNhsNumber } from '@lloyd/fhir';
import { recordSections, type RecordSection } from '@lloyd/config';
import { CODE_SYSTEMS, type CanonicalRecord } from '../canonical.js';
import {
  DocumentTooLargeError,
  SupplierError,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
} from '../errors.js';
import type { SupplierAdapter, SupplierCallContext, SupplierPatient } from '../supplier-adapter.js';
import {
  allResources,
  codingProblems,
  confidentialityCounts,
  idProblems,
  patientReferenceProblems,
  referenceProblems,
  sectionsPresent,
} from './record-checks.js';
import { r4Errors } from './validate-r4.js';

/** What the checks need to know about the system under test: which patients it holds, and how it codes. */
export interface ConformanceFixture {
  /** An NHS number the system knows (not dissented). */
  readonly knownPatient: string;
  /** A valid NHS number the system does not know. */
  readonly unknownPatient: string;
  /** A patient who has dissented from sharing; the dissent check runs only when given. */
  readonly dissentedPatient?: string;
  /** A patient with a full record (every section); default {@link knownPatient}. */
  readonly fullRecordPatient?: string;
  /** A patient with confidential items among ordinary ones; the confidentiality check runs only when given. */
  readonly confidentialPatient?: string;
  /**
   * The code systems the system codes clinical items in, e.g. `[CODE_SYSTEMS.readv2]`. Default: any of SNOMED CT,
   * Read v2 and CTV3. Without SNOMED CT here, an adapter must not add SNOMED CT codings (Lloyd maps centrally).
   */
  readonly nativeCodeSystems?: readonly string[];
  /** Supplier-local codes (`CODE_SYSTEMS.localPrefix<ODS>`) count as native (default true). */
  readonly allowLocalCodes?: boolean;
  /** Sections the full record must hold at least one item of (default: all). */
  readonly recordSections?: readonly RecordSection[];
  /** Deadline for each adapter call, through the call context's signal (default: none). */
  readonly timeoutMs?: number;
}

export interface ConformanceCheck {
  readonly name: string;
  /**
   * Whether the check calls the system (default true). When the preflight finds the system unreachable or of
   * another kind, only the checks that do not are run.
   */
  readonly needsSystem?: boolean;
  /** Whether the fixture has what the check needs (e.g. a dissented patient); a check that does not apply is skipped. */
  readonly appliesTo?: (fixture: ConformanceFixture) => boolean;
  readonly run: (adapter: SupplierAdapter, fixture: ConformanceFixture) => Promise<void>;
}

/** A check's verdict: what the adapter did wrong. */
export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
  }
}

function verify(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message);
}

function noProblems(what: string, problems: readonly string[]): void {
  verify(problems.length === 0, `${what}:\n  ${problems.join('\n  ')}`);
}

/**
 * A call's context: aborted by `signal` or at the fixture's deadline. One controller and a plain timer, not
 * `AbortSignal.any([AbortSignal.timeout(…)])`: on Node 20 the combined signal does not keep the timeout signal alive,
 * so a collection can take the deadline away and a system that never answers hangs the kit.
 */
function context(fixture: ConformanceFixture, signal?: AbortSignal): SupplierCallContext {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  const { timeoutMs } = fixture;
  if (timeoutMs !== undefined) {
    const timer = setTimeout(
      () => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    // The kit's own work keeps the process alive; a deadline left over must not.
    timer.unref();
  }
  return { signal: controller.signal, correlationId: 'adapter-conformance' };
}

const FHIR_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const GENDERS = ['male', 'female', 'other', 'unknown'];
const nhsNumbers = (patient: fhir4.Patient | undefined) =>
  (patient?.identifier ?? []).filter((i) => i.system === NHS_NUMBER_SYSTEM).map((i) => i.value);

async function findKnown(adapter: SupplierAdapter, fixture: ConformanceFixture, nhs: string): Promise<SupplierPatient> {
  const found = await adapter.findPatient(nhs, context(fixture));
  verify(found !== null, `findPatient(${nhs}) answered null for a patient the system holds`);
  return found;
}

async function fullRecord(
  adapter: SupplierAdapter,
  fixture: ConformanceFixture,
  nhs?: string,
): Promise<CanonicalRecord> {
  const patient = nhs ?? fixture.fullRecordPatient ?? fixture.knownPatient;
  const sections = fixture.recordSections ?? recordSections;
  const record = await adapter.getRecord(patient, { sections }, context(fixture));
  verify(record !== null, `getRecord(${patient}) answered null for a patient the system holds`);
  verify(
    typeof record === 'object' && Array.isArray(record.resources) && record.patient?.resourceType === 'Patient',
    `getRecord(${patient}) did not answer a canonical record (patient, practice, practitioners, resources)`,
  );
  return record;
}

/** The largest document the checks read: GP Connect's limit, as Lloyd's record view applies it. */
const DOCUMENT_LIMIT = 5 * 1024 * 1024;

const documentsOf = (record: CanonicalRecord) =>
  record.resources.filter((r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference');

async function expectRejection(
  what: string,
  expected: abstract new (...args: never[]) => Error,
  call: () => Promise<unknown>,
): Promise<void> {
  let outcome: unknown = 'resolved';
  try {
    await call();
  } catch (err) {
    outcome = err;
  }
  verify(
    outcome instanceof expected,
    `${what} should reject with ${expected.name}, but ${
      outcome === 'resolved' ? 'it resolved' : `it threw ${(outcome as Error)?.name ?? String(outcome)}`
    }`,
  );
}

function expectTimeout(what: string, call: () => Promise<unknown>): Promise<void> {
  return expectRejection(`${what} with an aborted signal`, SupplierTimeoutError, call);
}

/** The checks, in the order they are reported. */
export const CONFORMANCE_CHECKS: readonly ConformanceCheck[] = [
  {
    name: 'names its format',
    needsSystem: false,
    run: (adapter) => {
      verify(/^[a-z0-9-]+$/.test(adapter.format), `format "${adapter.format}" must be lower-case letters, digits, -`);
      return Promise.resolve();
    },
  },
  {
    name: 'finds a known patient, identified by the NHS number it was asked for',
    run: async (adapter, fixture) => {
      const found = await findKnown(adapter, fixture, fixture.knownPatient);
      const patient = found.patient;
      verify(patient?.resourceType === 'Patient', 'the answer holds no Patient');
      const numbers = nhsNumbers(patient);
      verify(
        numbers.length === 1 && numbers[0] === fixture.knownPatient && isValidNhsNumber(numbers[0]),
        `the Patient should carry exactly the NHS number ${fixture.knownPatient}, found ${JSON.stringify(numbers)}`,
      );
      verify(Boolean(patient.name?.[0]?.family ?? patient.name?.[0]?.text), 'the Patient has no name');
      verify(GENDERS.includes(patient.gender ?? ''), `gender "${patient.gender}" is not an R4 administrative gender`);
      verify(FHIR_DATE.test(patient.birthDate ?? ''), `birthDate "${patient.birthDate}" is not a FHIR date`);
      verify(typeof found.sourceId === 'string' && found.sourceId.length > 0, 'sourceId is empty');
      const flags = found.flags;
      verify(flags?.dissent === false, 'a patient who has not dissented is flagged as dissented');
      for (const flag of ['sensitive', 'deceased', 'active'] as const) {
        verify(typeof flags[flag] === 'boolean', `flags.${flag} must be a boolean`);
      }
    },
  },
  {
    name: 'returns a Patient that is valid FHIR R4',
    run: async (adapter, fixture) => {
      const found = await findKnown(adapter, fixture, fixture.knownPatient);
      const errors = await r4Errors(found.patient);
      noProblems(
        'the Patient is not valid FHIR R4',
        errors.map((e) => `[${e.validator}] ${e.location}: ${e.message}`),
      );
    },
  },
  {
    name: 'answers null for a patient the system does not know',
    run: async (adapter, fixture) => {
      const found = await adapter.findPatient(fixture.unknownPatient, context(fixture));
      verify(found === null, `findPatient(${fixture.unknownPatient}) should answer null`);
    },
  },
  {
    name: 'reports a dissented patient with the dissent flag, not as missing',
    appliesTo: (fixture) => fixture.dissentedPatient !== undefined,
    run: async (adapter, fixture) => {
      const nhs = fixture.dissentedPatient!;
      const found = await findKnown(adapter, fixture, nhs);
      verify(found.flags.dissent, 'the dissent flag is not set');
      verify(nhsNumbers(found.patient)[0] === nhs, 'the Patient does not carry the NHS number asked for');
    },
  },
  {
    name: 'passes its health check',
    run: async (adapter, fixture) => {
      await adapter.health(context(fixture));
    },
  },
  {
    name: 'rejects with SupplierTimeoutError when the signal is aborted',
    run: async (adapter, fixture) => {
      const aborted = () => context(fixture, AbortSignal.abort());
      await expectTimeout('findPatient', () => adapter.findPatient(fixture.knownPatient, aborted()));
      await expectTimeout('health', () => adapter.health(aborted()));
      await expectTimeout('getRecord', () =>
        adapter.getRecord(fixture.knownPatient, { sections: recordSections }, aborted()),
      );
    },
  },
  {
    name: 'reads the record of a known patient, for the same Patient',
    run: async (adapter, fixture) => {
      const nhs = fixture.fullRecordPatient ?? fixture.knownPatient;
      const [found, record] = await Promise.all([findKnown(adapter, fixture, nhs), fullRecord(adapter, fixture)]);
      const patient = record.patient;
      verify(nhsNumbers(patient).includes(nhs), `the record's Patient does not carry the NHS number ${nhs}`);
      for (const field of ['birthDate', 'gender'] as const) {
        verify(patient[field] === found.patient[field], `the record's Patient has another ${field} than findPatient's`);
      }
      verify(
        patient.name?.[0]?.family === found.patient.name?.[0]?.family,
        "the record's Patient has another family name than findPatient's",
      );
      verify(record.practice?.resourceType === 'Organization', 'the record has no practice Organization');
      verify(
        record.practitioners.every((p) => p.resourceType === 'Practitioner') &&
          record.practitionerRoles.every((p) => p.resourceType === 'PractitionerRole'),
        'practitioners and practitionerRoles must hold Practitioner and PractitionerRole resources',
      );
    },
  },
  {
    name: 'returns every requested section of a full record, none empty',
    run: async (adapter, fixture) => {
      const present = sectionsPresent(await fullRecord(adapter, fixture));
      const missing = (fixture.recordSections ?? recordSections).filter((s) => !present.has(s));
      verify(missing.length === 0, `the full record has nothing in: ${missing.join(', ')}`);
    },
  },
  {
    name: 'returns only valid FHIR R4 resources',
    run: async (adapter, fixture) => {
      const problems: string[] = [];
      for (const resource of allResources(await fullRecord(adapter, fixture))) {
        for (const e of await r4Errors(resource)) {
          problems.push(`${resource.resourceType}/${resource.id ?? ''} [${e.validator}] ${e.location}: ${e.message}`);
        }
      }
      noProblems('resources are not valid FHIR R4', problems.slice(0, 20));
    },
  },
  {
    name: 'uses valid ids, unique per resource type',
    run: async (adapter, fixture) => noProblems('bad ids', idProblems(await fullRecord(adapter, fixture))),
  },
  {
    name: 'has every clinical resource reference the patient',
    run: async (adapter, fixture) =>
      noProblems('resources not linked to the patient', patientReferenceProblems(await fullRecord(adapter, fixture))),
  },
  {
    name: 'resolves every reference inside the record',
    run: async (adapter, fixture) =>
      noProblems('unresolved references', referenceProblems(await fullRecord(adapter, fixture))),
  },
  {
    name: 'keeps the native coding of every coded item',
    run: async (adapter, fixture) =>
      noProblems(
        'coded items without their native coding',
        codingProblems(await fullRecord(adapter, fixture), {
          nativeCodeSystems: fixture.nativeCodeSystems ?? [CODE_SYSTEMS.snomed, CODE_SYSTEMS.readv2, CODE_SYSTEMS.ctv3],
          allowLocalCodes: fixture.allowLocalCodes ?? true,
        }),
      ),
  },
  {
    name: 'marks confidential items and keeps them in the record',
    appliesTo: (fixture) => fixture.confidentialPatient !== undefined,
    run: async (adapter, fixture) => {
      const { confidential, ordinary } = confidentialityCounts(
        await fullRecord(adapter, fixture, fixture.confidentialPatient),
      );
      verify(confidential > 0, 'no resource carries meta.security NOPAT: confidential items were dropped or unmarked');
      verify(ordinary > 0, 'every resource is marked confidential: ordinary items must stay unmarked');
    },
  },
  {
    name: 'serves the content of every document in the full record, as its DocumentReference describes it',
    appliesTo: (fixture) => (fixture.recordSections ?? recordSections).includes('documents'),
    run: async (adapter, fixture) => {
      const documents = documentsOf(await fullRecord(adapter, fixture));
      verify(documents.length > 0, 'the full record has no DocumentReference to read');
      for (const document of documents) {
        const attachment = document.content[0]?.attachment;
        const what = `getDocument(${document.id ?? '(no id)'})`;
        if (attachment?.size !== undefined && attachment.size > DOCUMENT_LIMIT) {
          await expectRejection(what, DocumentTooLargeError, () =>
            adapter.getDocument(document, DOCUMENT_LIMIT, context(fixture)),
          );
          continue;
        }
        const served = await adapter.getDocument(document, DOCUMENT_LIMIT, context(fixture));
        verify(served !== null, `${what} answered null for a document the record holds`);
        verify(Buffer.isBuffer(served.content), `${what} did not answer the content as bytes`);
        verify(/^[\w.+-]+\/[\w.+-]+/.test(served.contentType), `${what} gave no MIME type ("${served.contentType}")`);
        if (attachment?.size !== undefined) {
          verify(
            served.content.length === attachment.size,
            `${what} answered ${served.content.length} bytes; its DocumentReference says ${attachment.size}`,
          );
        }
      }
    },
  },
  {
    name: 'refuses a document over the size asked for with DocumentTooLargeError',
    appliesTo: (fixture) => (fixture.recordSections ?? recordSections).includes('documents'),
    run: async (adapter, fixture) => {
      // Any document of more than one byte (a size not given is taken to be more: a record does not hold empty files).
      const document = documentsOf(await fullRecord(adapter, fixture)).find(
        (d) => (d.content[0]?.attachment.size ?? 2) > 1,
      );
      verify(document !== undefined, 'the full record has no DocumentReference of more than one byte');
      await expectRejection(`getDocument(${document.id ?? '(no id)'}, 1 byte)`, DocumentTooLargeError, () =>
        adapter.getDocument(document, 1, context(fixture)),
      );
    },
  },
  {
    name: 'answers null for a document the system does not have',
    appliesTo: (fixture) => (fixture.recordSections ?? recordSections).includes('documents'),
    run: async (adapter, fixture) => {
      const [document] = documentsOf(await fullRecord(adapter, fixture));
      verify(document !== undefined, 'the full record has no DocumentReference to start from');
      const absent = 'lloyd-conformance-absent-document';
      const content = document.content.map((c, i) =>
        i === 0 && c.attachment.url
          ? { ...c, attachment: { ...c.attachment, url: c.attachment.url.replace(/[^/]*$/, absent) } }
          : c,
      );
      const served = await adapter.getDocument({ ...document, id: absent, content }, DOCUMENT_LIMIT, context(fixture));
      verify(served === null, `getDocument for a document the system does not have should answer null`);
    },
  },
  {
    name: 'answers null for the record of a patient the system does not know',
    run: async (adapter, fixture) => {
      const record = await adapter.getRecord(fixture.unknownPatient, { sections: recordSections }, context(fixture));
      verify(record === null, `getRecord(${fixture.unknownPatient}) should answer null`);
    },
  },
];

export type ConformanceStatus = 'passed' | 'failed' | 'skipped' | 'not-run';

export interface ConformanceResult {
  readonly name: string;
  readonly status: ConformanceStatus;
  /** Why it failed (the failure's message, or the unexpected error's name and message), or why it was not run. */
  readonly reason?: string;
}

/** Why the system under test cannot be checked at all, found by {@link preflightConformance}. */
export interface ConformancePreflightProblem {
  /**
   * `unreachable`: nothing answers (connection refused, host not found, …); `failing`: the system answers with
   * server errors; `wrong-system`: it answers, but not as the adapter's format does; `timeout`: no answer in time.
   */
  readonly kind: 'unreachable' | 'failing' | 'wrong-system' | 'timeout';
  /** One or two sentences for the person running the kit: what was found and what to do. */
  readonly message: string;
}

export interface ConformancePreflightOptions {
  /** Where the system is, as the person running the kit named it (e.g. its base URL). */
  readonly target: string;
  /** How to point the kit elsewhere, for the advice (default "fix the base URL"). */
  readonly fixTarget?: string;
  /** How to change the adapter, for the advice (default "use the adapter for that system's format"). */
  readonly fixAdapter?: string;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What a supplier error means to someone certifying an adapter against their system. */
function adapterHint(err: SupplierError, fixture: ConformanceFixture): string {
  if (err instanceof SupplierTimeoutError) {
    return fixture.timeoutMs !== undefined
      ? `The call ran past the kit's deadline of ${fixture.timeoutMs} ms (timeoutMs; --timeout-ms on the command ` +
          'line): the system is too slow for this read, or the adapter keeps waiting after the system has answered.'
      : 'The call was aborted: the adapter must end its call and reject with SupplierTimeoutError when the signal fires.';
  }
  if (err instanceof SupplierProtocolError) {
    return (
      "The adapter could not use the system's answer: either the system is not the kind this adapter reads, or the " +
      'adapter misreads it. Fix the adapter (or the answer); in production Lloyd would refuse the answer.'
    );
  }
  if (err instanceof SupplierUnavailableError) {
    return err.status !== undefined
      ? 'The system answered with a server error: it is failing, not the adapter. Check the system, then run again.'
      : 'The adapter could not reach the system: check that it is running at the base URL given.';
  }
  return '';
}

/** A check's failure, as the person running the kit reads it. */
function failureReason(err: unknown, fixture: ConformanceFixture): string {
  if (err instanceof ConformanceFailure) return err.message;
  if (err instanceof SupplierError)
    // The error's own hint is written for Lloyd's operators (a gateway's 502, its timeoutMs): say what it means here.
    return `${err.name}: ${err.summary} ${adapterHint(err, fixture)}`.trim();
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * One read before the checks: the known patient's demographics. Resolves `null` when the system answered as the
 * adapter expects (even "no such patient": the checks then say what is wrong), or the problem that would make every
 * check that calls the system fail the same way: nothing answers there, the system is failing, it is not of the
 * adapter's kind (its first real read fails with a protocol error), or it does not answer in time. Never throws.
 */
export async function preflightConformance(
  adapter: SupplierAdapter,
  fixture: ConformanceFixture,
  options: ConformancePreflightOptions,
): Promise<ConformancePreflightProblem | null> {
  const { target } = options;
  const fixTarget = options.fixTarget ?? 'fix the base URL';
  const fixAdapter = options.fixAdapter ?? "use the adapter for that system's format";
  try {
    await adapter.findPatient(fixture.knownPatient, context(fixture));
    return null;
  } catch (err) {
    if (err instanceof SupplierUnavailableError && err.status === undefined) {
      return {
        kind: 'unreachable',
        message: `nothing answers at ${target}: start the system or ${fixTarget} (${err.detail.replace(/ \((\w+)\)$/, ', $1')}).`,
      };
    }
    if (err instanceof SupplierUnavailableError) {
      return {
        kind: 'failing',
        message:
          `the system at ${target} answers, but fails (${err.detail}) to the first read, a patient search for ` +
          `${fixture.knownPatient}: check the system's health and logs, then run again.`,
      };
    }
    if (err instanceof SupplierProtocolError) {
      return {
        kind: 'wrong-system',
        message:
          `the system at ${target} does not speak ${adapter.format}: the first read (a patient search for ` +
          `${fixture.knownPatient}) failed: ${err.detail.replace(/\.+$/, '')}. ${capitalised(fixTarget)}, or ${fixAdapter}; if both are ` +
          "right, the adapter cannot read this system's patient search: fix that first.",
      };
    }
    if (err instanceof SupplierTimeoutError) {
      return {
        kind: 'timeout',
        message:
          `the system at ${target} did not answer the first read, a patient search, ` +
          `${fixture.timeoutMs !== undefined ? `within ${fixture.timeoutMs} ms` : 'in time'}: ` +
          'check that it is healthy, or give it longer (timeoutMs; --timeout-ms on the command line).',
      };
    }
    // Anything else is the adapter's own fault; the checks report it.
    return null;
  }
}

export interface ConformanceRunOptions {
  /** The checks to run (default {@link CONFORMANCE_CHECKS}). */
  readonly checks?: readonly ConformanceCheck[];
  /**
   * Run {@link preflightConformance} first. When it finds a problem, the checks that call the system are reported
   * `not-run` (with the problem as their reason) instead of each failing with the same error.
   */
  readonly preflight?: ConformancePreflightOptions;
  /** Told the preflight's verdict (`null`: the system can be checked) before any check runs. */
  readonly onPreflight?: (problem: ConformancePreflightProblem | null) => void;
}

/** Runs every check in turn, each with a fresh adapter, without Jest. Never throws for a failing check. */
export async function runConformanceChecks(
  createAdapter: () => SupplierAdapter,
  fixture: ConformanceFixture,
  onResult: (result: ConformanceResult) => void = () => undefined,
  checksOrOptions: readonly ConformanceCheck[] | ConformanceRunOptions = CONFORMANCE_CHECKS,
): Promise<ConformanceResult[]> {
  const options: ConformanceRunOptions = Array.isArray(checksOrOptions)
    ? { checks: checksOrOptions as readonly ConformanceCheck[] }
    : (checksOrOptions as ConformanceRunOptions);
  const checks = options.checks ?? CONFORMANCE_CHECKS;
  let problem: ConformancePreflightProblem | null = null;
  if (options.preflight) {
    problem = await preflightConformance(createAdapter(), fixture, options.preflight);
    options.onPreflight?.(problem);
  }
  const results: ConformanceResult[] = [];
  for (const check of checks) {
    let result: ConformanceResult;
    if (check.appliesTo && !check.appliesTo(fixture)) {
      result = { name: check.name, status: 'skipped' };
    } else if (problem && check.needsSystem !== false) {
      result = { name: check.name, status: 'not-run', reason: problem.message };
    } else {
      try {
        await check.run(createAdapter(), fixture);
        result = { name: check.name, status: 'passed' };
      } catch (err) {
        result = { name: check.name, status: 'failed', reason: failureReason(err, fixture) };
      }
    }
    results.push(result);
    onResult(result);
  }
  return results;
}
