import { CODE_SYSTEMS, CONFIDENTIAL_SECURITY_LABEL, type CanonicalRecord, type RecordQuery } from '../canonical.js';
import {
  DocumentTooLargeError,
  SupplierProtocolError,
  SupplierTimeoutError,
  SupplierUnavailableError,
} from '../errors.js';
import {
  SupplierAdapter,
  type SupplierCallContext,
  type SupplierDocument,
  type SupplierPatient,
} from '../supplier-adapter.js';
import { describeSupplierAdapterContract } from './adapter-contract.js';
import {
  CONFORMANCE_CHECKS,
  runConformanceChecks,
  type ConformanceFixture,
  type ConformancePreflightProblem,
} from './conformance.js';

const KNOWN = '9990000018';
const DISSENTED = '9990000050';
const UNKNOWN = '9990000115';
const identity = { ods: 'X1', format: 'fake' };
const LETTER = Buffer.from('Dear Dr Hartley, ...');

const demographics = (nhs: string): fhir4.Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }],
  name: [{ family: 'Jones', given: ['Mia'] }],
  gender: 'female',
  birthDate: '1967-01-17',
});

const subject = { reference: 'Patient/p1' };
const readv2 = (code: string, display: string) => ({
  coding: [{ system: CODE_SYSTEMS.readv2, code, display }],
  text: display,
});

function validRecord(): CanonicalRecord {
  const encounter: fhir4.Encounter = {
    resourceType: 'Encounter',
    id: 'e1',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    type: [{ text: 'Surgery consultation' }],
    subject,
    participant: [{ individual: { reference: 'Practitioner/gp1' } }],
  };
  const condition: fhir4.Condition = {
    resourceType: 'Condition',
    id: 'c1',
    subject,
    encounter: { reference: 'Encounter/e1' },
    code: readv2('H33..', 'Asthma'),
  };
  const report: fhir4.DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: 'd1',
    status: 'final',
    subject,
    code: readv2('424..', 'Full blood count - FBC'),
    result: [{ reference: 'Observation/o1' }],
  };
  const haemoglobin: fhir4.Observation = {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    subject,
    code: readv2('423..', 'Haemoglobin estimation'),
  };
  const localItem: fhir4.Observation = {
    resourceType: 'Observation',
    id: 'o2',
    status: 'final',
    subject,
    code: { coding: [{ system: `${CODE_SYSTEMS.localPrefix}X1`, code: 'L1', display: 'Local thing' }] },
    meta: { security: [{ ...CONFIDENTIAL_SECURITY_LABEL }] },
  };
  const letter: fhir4.DocumentReference = {
    resourceType: 'DocumentReference',
    id: 'doc1',
    status: 'current',
    subject,
    type: readv2('9b36.', 'Other digital signal'),
    content: [{ attachment: { contentType: 'text/plain', size: LETTER.length, title: 'Clinic letter' } }],
  };
  return {
    patient: { ...demographics(KNOWN), id: 'p1', managingOrganization: { reference: 'Organization/X1' } },
    practice: { resourceType: 'Organization', id: 'X1', name: 'Test practice' },
    practitioners: [{ resourceType: 'Practitioner', id: 'gp1', name: [{ family: 'Hartley' }] }],
    practitionerRoles: [
      {
        resourceType: 'PractitionerRole',
        id: 'gp1-X1',
        practitioner: { reference: 'Practitioner/gp1' },
        organization: { reference: 'Organization/X1' },
      },
    ],
    resources: [encounter, condition, report, haemoglobin, localItem, letter],
  };
}

/** An in-memory adapter behaving as the contract asks, unless told to misbehave. */
class FakeAdapter extends SupplierAdapter {
  readonly format = 'fake';

  constructor(
    private readonly record: CanonicalRecord = validRecord(),
    private readonly quirks: {
      recordForUnknown?: boolean;
      plainErrorOnAbort?: boolean;
      /** Serves the letter's content short, ignores the size limit, or answers a document it does not have. */
      document?: 'short' | 'unlimited' | 'any';
    } = {},
  ) {
    super();
  }

  private guard(ctx: SupplierCallContext): void {
    if (!ctx.signal.aborted) return;
    if (this.quirks.plainErrorOnAbort) throw new Error('aborted');
    throw new SupplierTimeoutError({ ...identity, detail: 'aborted' });
  }

  override findPatient(nhs: string, ctx: SupplierCallContext): Promise<SupplierPatient | null> {
    this.guard(ctx);
    if (nhs !== KNOWN && nhs !== DISSENTED) return Promise.resolve(null);
    return Promise.resolve({
      patient: demographics(nhs),
      sourceId: `src-${nhs}`,
      flags: { dissent: nhs === DISSENTED, sensitive: false, deceased: false, active: true },
    });
  }

  override health(ctx: SupplierCallContext): Promise<void> {
    this.guard(ctx);
    return Promise.resolve();
  }

  override getRecord(nhs: string, _query: RecordQuery, ctx: SupplierCallContext): Promise<CanonicalRecord | null> {
    this.guard(ctx);
    return Promise.resolve(nhs === KNOWN || this.quirks.recordForUnknown ? this.record : null);
  }

  override getDocument(
    document: fhir4.DocumentReference,
    maxBytes: number,
    ctx: SupplierCallContext,
  ): Promise<SupplierDocument | null> {
    this.guard(ctx);
    if (document.id !== 'doc1' && this.quirks.document !== 'any') return Promise.resolve(null);
    const content = this.quirks.document === 'short' ? LETTER.subarray(1) : LETTER;
    if (content.length > maxBytes && this.quirks.document !== 'unlimited') throw new DocumentTooLargeError(maxBytes);
    return Promise.resolve({ contentType: 'text/plain', content });
  }
}

const fixture: ConformanceFixture = {
  knownPatient: KNOWN,
  unknownPatient: UNKNOWN,
  dissentedPatient: DISSENTED,
  confidentialPatient: KNOWN,
  nativeCodeSystems: [CODE_SYSTEMS.readv2],
  recordSections: ['problems', 'consultations', 'investigations', 'uncategorised', 'documents'],
};

async function failures(adapter: SupplierAdapter, f: ConformanceFixture = fixture) {
  const results = await runConformanceChecks(() => adapter, f);
  return Object.fromEntries(results.filter((r) => r.status === 'failed').map((r) => [r.name, r.reason]));
}

function withRecord(change: (record: CanonicalRecord) => void): FakeAdapter {
  const record = validRecord();
  change(record);
  return new FakeAdapter(record);
}

describe('conformance checks (without Jest wrapping)', () => {
  it('pass for an adapter that keeps the contract, reporting each check in order', async () => {
    const seen: string[] = [];
    const results = await runConformanceChecks(
      () => new FakeAdapter(),
      fixture,
      (r) => seen.push(r.name),
    );
    expect(results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(seen).toEqual(CONFORMANCE_CHECKS.map((c) => c.name));
  });

  it('skip the checks the fixture gives no patient for', async () => {
    const results = await runConformanceChecks(() => new FakeAdapter(), {
      ...fixture,
      dissentedPatient: undefined,
      confidentialPatient: undefined,
    });
    expect(results.filter((r) => r.status === 'skipped').map((r) => r.name)).toEqual([
      'reports a dissented patient with the dissent flag, not as missing',
      'marks confidential items and keeps them in the record',
    ]);
  });

  it('catch a reference to something the record does not hold, and a non-relative one', async () => {
    const adapter = withRecord((r) => {
      (r.resources[1] as fhir4.Condition).encounter = { reference: 'Encounter/nope' };
      (r.resources[0] as fhir4.Encounter).serviceProvider = { reference: 'https://elsewhere.example/Organization/1' };
    });
    expect((await failures(adapter))['resolves every reference inside the record']).toMatch(
      /Encounter\/e1: reference "https:\/\/elsewhere.example\/Organization\/1" is not relative[\s\S]*Condition\/c1: Encounter\/nope is not in the record/,
    );
  });

  it('catch SNOMED CT added by the adapter and items without their native coding', async () => {
    const adapter = withRecord((r) => {
      (r.resources[1] as fhir4.Condition).code = {
        coding: [{ system: CODE_SYSTEMS.snomed, code: '195967001' }],
      };
      (r.resources[3] as fhir4.Observation).code = { text: 'Haemoglobin' };
    });
    const reason = (await failures(adapter))['keeps the native coding of every coded item'];
    expect(reason).toContain('Condition/c1 Condition.code: no coding in a native system (http://read.info/readv2)');
    expect(reason).toContain('Condition/c1 Condition.code: carries a SNOMED CT coding the source does not have');
    expect(reason).toContain('Observation/o1 Observation.code: has no coding (only the text "Haemoglobin")');
    // The same record is fine for a SNOMED CT system.
    const snomed = await failures(adapter, { ...fixture, nativeCodeSystems: [CODE_SYSTEMS.snomed] });
    expect(snomed['keeps the native coding of every coded item']).not.toContain('Condition/c1');
  });

  it('catch bad and duplicate ids, resources not linked to the patient, and invalid R4', async () => {
    const adapter = withRecord((r) => {
      r.resources[3]!.id = 'c 1';
      r.resources.push({ ...r.resources[1]!, subject: { reference: 'Patient/other' } } as fhir4.Condition);
      // A supporting resource is not about the patient: no reference needed.
      r.resources.push({ resourceType: 'Location', id: 'l1', name: 'Surgery' } as fhir4.Location);
      (r.resources[0] as fhir4.Encounter).status = 'done' as fhir4.Encounter['status'];
    });
    const failed = await failures(adapter);
    expect(failed['uses valid ids, unique per resource type']).toMatch(
      /Observation\/c 1: id must match[\s\S]*Condition\/c1: the id is used twice/,
    );
    expect(failed['has every clinical resource reference the patient']).toBe(
      'resources not linked to the patient:\n  Condition/c1: references Patient/other instead of Patient/p1',
    );
    expect(failed['returns only valid FHIR R4 resources']).toContain('Encounter/e1');
  });

  it('catch an empty section, a dropped or unmarked confidential item, and a record for an unknown patient', async () => {
    const adapter = new FakeAdapter(
      {
        ...validRecord(),
        resources: validRecord().resources.filter((r) => r.resourceType !== 'Observation' || r.id !== 'o2'),
      },
      { recordForUnknown: true },
    );
    const failed = await failures(adapter);
    expect(failed['returns every requested section of a full record, none empty']).toBe(
      'the full record has nothing in: uncategorised',
    );
    expect(failed['marks confidential items and keeps them in the record']).toMatch(
      /no resource carries meta.security/,
    );
    expect(failed['answers null for the record of a patient the system does not know']).toBe(
      `getRecord(${UNKNOWN}) should answer null`,
    );
  });

  it('catch document content that is not what its DocumentReference describes, or not there', async () => {
    expect(
      (await failures(new FakeAdapter(validRecord(), { document: 'short' })))[
        'serves the content of every document in the full record, as its DocumentReference describes it'
      ],
    ).toBe(`getDocument(doc1) answered ${LETTER.length - 1} bytes; its DocumentReference says ${LETTER.length}`);
    const missing = withRecord((r) => {
      r.resources.push({ ...r.resources.at(-1)!, id: 'doc2' });
    });
    expect(
      (await failures(missing))[
        'serves the content of every document in the full record, as its DocumentReference describes it'
      ],
    ).toBe('getDocument(doc2) answered null for a document the record holds');
  });

  it('catch an adapter that ignores the document size limit, or serves a document it does not have', async () => {
    expect(
      (await failures(new FakeAdapter(validRecord(), { document: 'unlimited' })))[
        'refuses a document over the size asked for with DocumentTooLargeError'
      ],
    ).toBe('getDocument(doc1, 1 byte) should reject with DocumentTooLargeError, but it resolved');
    expect(
      (await failures(new FakeAdapter(validRecord(), { document: 'any' })))[
        'answers null for a document the system does not have'
      ],
    ).toBe('getDocument for a document the system does not have should answer null');
  });

  it('catch an adapter that does not turn an abort into SupplierTimeoutError', async () => {
    const failed = await failures(new FakeAdapter(validRecord(), { plainErrorOnAbort: true }));
    expect(failed['rejects with SupplierTimeoutError when the signal is aborted']).toBe(
      'findPatient with an aborted signal should reject with SupplierTimeoutError, but it threw Error',
    );
  });

  it('report an unexpected error with its name and message', async () => {
    const broken = new FakeAdapter();
    broken.health = () => Promise.reject(new TypeError('boom'));
    expect((await failures(broken))['passes its health check']).toBe('TypeError: boom');
  });
});

/** An adapter whose every call to the system fails with the given error. */
function failingAdapter(error: () => Error): FakeAdapter {
  const adapter = new FakeAdapter();
  adapter.findPatient = () => Promise.reject(error());
  adapter.health = () => Promise.reject(error());
  adapter.getRecord = () => Promise.reject(error());
  adapter.getDocument = () => Promise.reject(error());
  return adapter;
}

const unreachable = () => new SupplierUnavailableError({ ...identity, detail: 'connection refused (ECONNREFUSED)' });
const notOurFormat = () =>
  new SupplierProtocolError({ ...identity, detail: 'unexpected HTTP 404 to the patient search' });

describe('conformance checks against a system that cannot be checked', () => {
  async function withPreflight(adapter: FakeAdapter) {
    const seen: (ConformancePreflightProblem | null)[] = [];
    const results = await runConformanceChecks(() => adapter, fixture, undefined, {
      preflight: { target: 'http://127.0.0.1:1', fixTarget: 'fix --base-url' },
      onPreflight: (problem) => seen.push(problem),
    });
    return { results, problem: seen };
  }

  it('say once that nothing answers, and run only the checks that need no system', async () => {
    const { results, problem } = await withPreflight(failingAdapter(unreachable));
    expect(problem).toEqual([
      {
        kind: 'unreachable',
        message:
          'nothing answers at http://127.0.0.1:1: start the system or fix --base-url (connection refused, ECONNREFUSED).',
      },
    ]);
    expect(results.filter((r) => r.status === 'passed').map((r) => r.name)).toEqual(['names its format']);
    expect(results.filter((r) => r.status === 'failed')).toEqual([]);
    const notRun = results.filter((r) => r.status === 'not-run').map((r) => r.name);
    expect(notRun).toContain('passes its health check');
    expect(notRun).toContain('rejects with SupplierTimeoutError when the signal is aborted');
    expect(notRun).toHaveLength(CONFORMANCE_CHECKS.length - 1);
  });

  it('say that a system answering in another format does not speak the adapter’s', async () => {
    const { results, problem } = await withPreflight(failingAdapter(notOurFormat));
    expect(problem[0]?.kind).toBe('wrong-system');
    expect(problem[0]?.message).toMatch(
      /^the system at http:\/\/127\.0\.0\.1:1 does not speak fake: the first read \(a patient search for 9990000018\) failed: unexpected HTTP 404 to the patient search\. Fix --base-url, or /,
    );
    expect(results.find((r) => r.name === 'passes its health check')?.status).toBe('not-run');
  });

  it('run every check when the first read works, and report nothing', async () => {
    const { results, problem } = await withPreflight(new FakeAdapter());
    expect(problem).toEqual([null]);
    expect(results.filter((r) => r.status !== 'passed')).toEqual([]);
  });

  it('explain supplier errors for the adapter being certified, not for Lloyd’s operators', async () => {
    const timeout = () => new SupplierTimeoutError({ ...identity, detail: 'the call was aborted' });
    const adapter = new FakeAdapter();
    adapter.getRecord = () => Promise.reject(notOurFormat());
    adapter.health = () => Promise.reject(unreachable());
    adapter.findPatient = () => Promise.reject(timeout());
    const failed = await failures(adapter, { ...fixture, timeoutMs: 5000 });
    const reasons = Object.values(failed).join('\n');
    expect(reasons).not.toMatch(/502|Lloyd reports|raise this supplier's timeoutMs|the format configured/);
    expect(failed['passes its health check']).toBe(
      'SupplierUnavailableError: Supplier system of practice X1 (fake) is unavailable: connection refused ' +
        '(ECONNREFUSED). The adapter could not reach the system: check that it is running at the base URL given.',
    );
    expect(failed['returns only valid FHIR R4 resources']).toContain(
      "The adapter could not use the system's answer: either the system is not the kind this adapter reads, or " +
        'the adapter misreads it.',
    );
    expect(failed['finds a known patient, identified by the NHS number it was asked for']).toContain(
      "The call ran past the kit's deadline of 5000 ms",
    );
  });
});

describeSupplierAdapterContract('the in-memory fake', { ...fixture, createAdapter: () => new FakeAdapter() });
