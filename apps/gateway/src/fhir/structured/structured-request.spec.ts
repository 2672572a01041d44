import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OperationOutcomeError } from '@lloyd/fhir';
import { parseStructuredRecordRequest } from './structured-request.js';

const TODAY = '2026-11-23';
const NHS = {
  name: 'patientNHSNumber',
  valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' },
};

const params = (...parameter: fhir4.ParametersParameter[]) => ({
  resourceType: 'Parameters',
  parameter: [NHS, ...parameter],
});
const part = (name: string, value: Omit<fhir4.ParametersParameter, 'name'>) => ({ name, ...value });

function failure(body: unknown): { status: number; code: string | undefined; text: string } {
  try {
    parseStructuredRecordRequest(body, TODAY);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return { status: err.status, code: err.spineCode, text: err.message };
    throw err;
  }
  throw new Error('expected the request to be refused');
}

describe('parseStructuredRecordRequest', () => {
  it('accepts the NHS number alone', () => {
    const request = parseStructuredRecordRequest(params(), TODAY);
    expect(request).toEqual({ nhsNumber: '9990000018', warnings: [] });
  });

  it('reads every area and part with their defaults', () => {
    const request = parseStructuredRecordRequest(
      params(
        { name: 'includeAllergies', part: [part('includeResolvedAllergies', { valueBoolean: true })] },
        { name: 'includeMedication' },
        { name: 'includeImmunisations' },
        {
          name: 'includeInvestigations',
          part: [part('investigationSearchPeriod', { valuePeriod: { start: '2020-01-01', end: '2021-01-01' } })],
        },
        { name: 'includeReferrals' },
        { name: 'includeUncategorisedData' },
      ),
      TODAY,
    );
    expect(request.allergies).toEqual({ includeResolved: true });
    expect(request.medication).toEqual({ includeIssues: true });
    expect(request.immunisations).toEqual({ includeNotGiven: false, includeStatus: true });
    expect(request.investigations).toEqual({ period: { start: '2020-01-01', end: '2021-01-01' } });
    expect(request.referrals).toEqual({});
    expect(request.uncategorised).toEqual({});
    expect(request.consultations).toBeUndefined();
  });

  it('reads consultation, problem and medication filters', () => {
    expect(
      parseStructuredRecordRequest(
        params({ name: 'includeConsultations', part: [part('includeNumberOfMostRecent', { valueInteger: 3 })] }),
        TODAY,
      ).consultations,
    ).toEqual({ mostRecent: 3 });
    expect(
      parseStructuredRecordRequest(
        params({ name: 'includeProblems', part: [part('filterStatus', { valueCode: 'active' })] }),
        TODAY,
      ).problems,
    ).toEqual({ status: 'active' });
    expect(
      parseStructuredRecordRequest(
        params({
          name: 'includeMedication',
          part: [
            part('medicationSearchFromDate', { valueDate: '2019-03-01' }),
            part('includePrescriptionIssues', { valueBoolean: false }),
          ],
        }),
        TODAY,
      ).medication,
    ).toEqual({ includeIssues: false, fromDate: '2019-03-01' });
  });

  it('warns about, and ignores, unknown parameters and parts', () => {
    const request = parseStructuredRecordRequest(
      params(
        { name: 'includeTeaLeaves' },
        { name: 'includeReferrals', part: [part('referralColour', { valueString: 'red' })] },
      ),
      TODAY,
    );
    expect(request.warnings.map((w) => w.expression?.[0])).toEqual([
      'includeTeaLeaves',
      'includeReferrals.referralColour',
    ]);
    expect(request.warnings.every((w) => w.severity === 'warning')).toBe(true);
    expect(request.referrals).toEqual({});
  });

  it('ignores, with a warning, a filter given under the wrong parameter, rather than refuse it as a combination', () => {
    const request = parseStructuredRecordRequest(
      params(
        { name: 'includeProblems', part: [part('includeStatus', { valueBoolean: true })] },
        {
          name: 'includeAllergies',
          part: [
            part('includeResolvedAllergies', { valueBoolean: true }),
            part('medicationSearchFromDate', { valueDate: '2019-01-01' }),
          ],
        },
        { name: 'includeConsultations' },
      ),
      TODAY,
    );
    expect(request.warnings.map((w) => w.expression?.[0])).toEqual([
      'includeAllergies.medicationSearchFromDate',
      'includeProblems.includeStatus',
    ]);
    expect(request.problems).toEqual({});
    expect(request.consultations).toEqual({});
  });

  it.each([
    ['a body that is not Parameters', { resourceType: 'Patient' }, 422, 'INVALID_RESOURCE'],
    ['a missing NHS number', { resourceType: 'Parameters', parameter: [] }, 422, 'INVALID_PARAMETER'],
    ['a duplicate parameter', params(NHS), 422, 'INVALID_RESOURCE'],
    [
      'a wrong identifier system',
      {
        resourceType: 'Parameters',
        parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: 'urn:x', value: '9990000018' } }],
      },
      400,
      'INVALID_IDENTIFIER_SYSTEM',
    ],
    [
      'a bad check digit',
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'patientNHSNumber', valueIdentifier: { system: NHS.valueIdentifier.system, value: '9990000019' } },
        ],
      },
      400,
      'INVALID_NHS_NUMBER',
    ],
    [
      'includeAllergies without includeResolvedAllergies',
      params({ name: 'includeAllergies' }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a non-boolean includeResolvedAllergies',
      params({ name: 'includeAllergies', part: [part('includeResolvedAllergies', { valueString: 'yes' })] }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a medication date with a time',
      params({
        name: 'includeMedication',
        part: [part('medicationSearchFromDate', { valueDate: '2019-03-01T10:00:00Z' })],
      }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a partial medication date',
      params({ name: 'includeMedication', part: [part('medicationSearchFromDate', { valueDate: '2019-03' })] }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a future medication date',
      params({ name: 'includeMedication', part: [part('medicationSearchFromDate', { valueDate: '2027-01-01' })] }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'an impossible date',
      params({ name: 'includeMedication', part: [part('medicationSearchFromDate', { valueDate: '2019-02-30' })] }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a reversed period',
      params({
        name: 'includeReferrals',
        part: [part('referralSearchPeriod', { valuePeriod: { start: '2021-01-01', end: '2020-01-01' } })],
      }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a period starting in the future',
      params({
        name: 'includeInvestigations',
        part: [part('investigationSearchPeriod', { valuePeriod: { start: '2030-01-01' } })],
      }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'consultationSearchPeriod with includeNumberOfMostRecent',
      params({
        name: 'includeConsultations',
        part: [
          part('consultationSearchPeriod', { valuePeriod: { start: '2020-01-01' } }),
          part('includeNumberOfMostRecent', { valueInteger: 2 }),
        ],
      }),
      422,
      'INVALID_RESOURCE',
    ],
    [
      'a zero includeNumberOfMostRecent',
      params({ name: 'includeConsultations', part: [part('includeNumberOfMostRecent', { valueInteger: 0 })] }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'an unknown filterStatus',
      params({ name: 'includeProblems', part: [part('filterStatus', { valueCode: 'resolved' })] }),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a medication filter beside consultations',
      params(
        { name: 'includeConsultations' },
        { name: 'includeMedication', part: [part('medicationSearchFromDate', { valueDate: '2019-01-01' })] },
      ),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'an immunisation filter beside problems',
      params(
        { name: 'includeProblems' },
        { name: 'includeImmunisations', part: [part('includeNotGiven', { valueBoolean: true })] },
      ),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'filterStatus beside consultations',
      params(
        { name: 'includeConsultations' },
        { name: 'includeProblems', part: [part('filterStatus', { valueCode: 'active' })] },
      ),
      422,
      'INVALID_PARAMETER',
    ],
    [
      'a duplicate part',
      params({
        name: 'includeImmunisations',
        part: [part('includeStatus', { valueBoolean: true }), part('includeStatus', { valueBoolean: false })],
      }),
      422,
      'INVALID_RESOURCE',
    ],
  ])('refuses %s', (_title, body, status, code) => {
    const result = failure(body);
    expect(result.status).toBe(status);
    expect(result.code).toBe(code);
  });

  it('allows every area without filters together', () => {
    const request = parseStructuredRecordRequest(
      params(
        { name: 'includeAllergies', part: [part('includeResolvedAllergies', { valueBoolean: false })] },
        { name: 'includeMedication' },
        { name: 'includeConsultations' },
        { name: 'includeProblems' },
        { name: 'includeImmunisations' },
        { name: 'includeUncategorisedData' },
        { name: 'includeInvestigations' },
        { name: 'includeReferrals' },
      ),
      TODAY,
    );
    expect(Object.keys(request).sort()).toEqual([
      'allergies',
      'consultations',
      'immunisations',
      'investigations',
      'medication',
      'nhsNumber',
      'problems',
      'referrals',
      'uncategorised',
      'warnings',
    ]);
  });
});

describe("the README's structured-record examples", () => {
  const readme = readFileSync(fileURLToPath(new URL('../../../../../README.md', import.meta.url)), 'utf8');
  // Every curl that posts to the operation, with its body (the `-d '…'` after it).
  const bodies = [...readme.matchAll(/getstructuredrecord \\\n[^]*?-d '([^']+)'/g)].map((m) => m[1]!);

  it('are found', () => {
    expect(bodies.length).toBeGreaterThanOrEqual(2);
  });

  it.each(bodies.map((body, i) => [i + 1, body]))('example %i is a valid request, without warnings', (_, body) => {
    const request = parseStructuredRecordRequest(JSON.parse(body), TODAY);
    expect(request.nhsNumber).toMatch(/^\d{10}$/);
    expect(request.warnings).toEqual([]);
  });
});
