import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStu3 } from './translate-bundle.js';
import { main } from './translate.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'lloyd-translate-unit-'));

function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return join(dir, name);
}

/** A failure as translate reports it: exit 1, nothing on stdout, one message naming the file, no JavaScript. */
function expectFailure(result: { code: number; stdout: string; stderr: string }, ...fragments: string[]) {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toMatch(/\n\s+at |is not a function|Cannot read properties|undefined/);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
}

const EXTRACT = `<RCMR_IN030000UK06 xmlns="urn:hl7-org:v3"><ControlActEvent><subject><EhrExtract>
<recordTarget><patient><id root="2.16.840.1.113883.2.1.4.1" extension="9990000018"/></patient></recordTarget>
</EhrExtract></subject></ControlActEvent></RCMR_IN030000UK06>`;

describe('translate CLI: malformed FHIR Bundles', () => {
  it.each([
    [
      'an entry that is not a list',
      { resourceType: 'Bundle', entry: 'x' },
      'whose "entry" is the text "x", not a list',
    ],
    ['a null entry', { resourceType: 'Bundle', entry: [null] }, 'whose entry 1 is null, not an object'],
    [
      'a resource without a type',
      { resourceType: 'Bundle', entry: [{ resource: { id: '1' } }] },
      'whose entry 1 holds a "resource" without a resourceType',
    ],
  ])('says what is wrong with %s', async (_what, bundle, message) => {
    expectFailure(await run([file('bad.json', bundle)]), message, 'export the record again');
  });

  it('says an empty Bundle is not a record and what a record Bundle holds', async () => {
    const result = await run([file('empty.json', { resourceType: 'Bundle', type: 'collection', entry: [] })]);
    expectFailure(
      result,
      "is a FHIR Bundle, but it holds no resources, so it is not a patient's record",
      'their Patient, the Organization of their registered practice and the record items',
    );
  });

  it('says what to add when an R4 record has no practice Organization', async () => {
    const bundle = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: 'p' } }] };
    expectFailure(
      await run([file('nopractice.json', bundle)]),
      'the Bundle has no Organization for the registered practice',
      'add that Organization entry',
    );
  });
});

describe('translate CLI: options', () => {
  it.each([[''], ['x'], ['p10001'], ['ABCDEFGHIJK'], ['A-1']])(
    'refuses --to-ods "%s" as a usage error',
    async (ods) => {
      const result = await run([file('any.json', { resourceType: 'Bundle' }), '--to-ods', ods]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--to-ods must be an ODS code (3-10 upper-case letters or digits), not "${ods}"`);
    },
  );

  it('refuses --to-ods with --to r4, which builds no extract', async () => {
    const result = await run([file('any.json', { resourceType: 'Bundle' }), '--to', 'r4', '--to-ods', 'P10001']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to r4 builds none');
  });

  it('says --to extract and --to-ods do not apply to an EHR extract, instead of ignoring them', async () => {
    const extract = file('extract.xml', EXTRACT);
    expectFailure(await run([extract, '--to', 'extract']), 'is an HL7 V3 EHR extract already', 'Leave them out');
    expectFailure(await run([extract, '--to-ods', 'P10001']), 'apply only to a FHIR Bundle');
    expect((await run([extract])).code).toBe(0);
  });
});

describe('translate CLI: where files are', () => {
  it('takes a relative FILE from the directory npm was run in (INIT_CWD), and names the path it looked for', async () => {
    file('here.xml', EXTRACT);
    const found = await run(['here.xml'], { INIT_CWD: dir });
    expect(found.code).toBe(0);
    const missing = await run(['absent.xml'], { INIT_CWD: dir });
    expectFailure(
      missing,
      `no such file (looked for ${join(dir, 'absent.xml')})`,
      `a relative path is taken from ${dir}`,
    );
  });

  it('says piped input is not a file, instead of failing to seek it', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expectFailure(await run([fifo]), 'is not a file on disk (a pipe', 'Save the input to a file');
  });

  it('refuses a JSON file over the size it reads, by its size, before reading it', async () => {
    const big = join(dir, 'big.json');
    const fd = openSync(big, 'w');
    writeFileSync(fd, '{"resourceType":"Bundle","entry":[');
    ftruncateSync(fd, 300 * 1024 * 1024);
    closeSync(fd);
    expectFailure(await run([big]), 'is 300 MB, larger than the 256 MB of a JSON file Lloyd accepts');
  });
});

describe('isStu3', () => {
  const bundle = (resource: Record<string, unknown>) =>
    ({ resourceType: 'Bundle', entry: [{ resource }] }) as unknown as fhir4.Bundle;

  it.each([
    ['MedicationStatement.taken', { resourceType: 'MedicationStatement', taken: 'y' }],
    ['Condition.assertedDate', { resourceType: 'Condition', assertedDate: '2020-01-01' }],
    ['AllergyIntolerance.assertedDate', { resourceType: 'AllergyIntolerance', assertedDate: '2020-01-01' }],
    ['a Condition.clinicalStatus code', { resourceType: 'Condition', clinicalStatus: 'active' }],
    ['Immunization.notGiven', { resourceType: 'Immunization', notGiven: false }],
    ['Observation.comment', { resourceType: 'Observation', comment: 'repeat in 6 months' }],
    ['Observation.related', { resourceType: 'Observation', related: [{ target: { reference: 'Observation/1' } }] }],
  ])('knows a GP Connect record without profiles by %s', (_what, resource) => {
    expect(isStu3(bundle(resource))).toBe(true);
  });

  it('takes an R4 record for R4', () => {
    const r4 = {
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ code: 'active' }] },
      recordedDate: '2020-01-01',
    };
    expect(isStu3(bundle(r4))).toBe(false);
    expect(isStu3(bundle({ resourceType: 'MedicationStatement', status: 'active' }))).toBe(false);
  });
});
