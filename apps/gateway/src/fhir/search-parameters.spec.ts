import { OperationOutcomeError } from '@lloyd/fhir';
import {
  CLINICAL_SEARCH,
  handlingOf,
  ignoredParameterIssues,
  PATIENT_SEARCH,
  readSearchParameters,
} from './search-parameters.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('handlingOf', () => {
  it.each<[string | string[] | undefined, string]>([
    [undefined, 'lenient'],
    ['handling=strict', 'strict'],
    ['return=minimal, handling=strict', 'strict'],
    ['Handling = Strict', 'strict'],
    [['respond-async', 'handling=strict'], 'strict'],
    ['handling=lenient', 'lenient'],
    ['handling=strictly', 'lenient'],
  ])('reads Prefer %j as %s', (prefer, handling) => {
    expect(handlingOf(prefer)).toBe(handling);
  });
});

describe('readSearchParameters', () => {
  it('gives each supported parameter its value, and the repeatable ones all theirs', () => {
    const read = readSearchParameters(
      { patient: 'p', _count: '5', _include: ['A:b', 'A:c'], _format: 'json' },
      CLINICAL_SEARCH,
      'lenient',
    );
    expect(read).toEqual({
      values: { patient: 'p', _count: '5', _format: 'json' },
      repeated: { _include: ['A:b', 'A:c'] },
      ignored: [],
    });
  });

  it('lists the unsupported parameters when lenient, and refuses them naming each when strict', () => {
    const query = { patient: 'p', date: 'ge2030-01-01', _sort: 'date' };
    expect(readSearchParameters(query, CLINICAL_SEARCH, 'lenient').ignored).toEqual(['date', '_sort']);
    const err = refusal(() => readSearchParameters(query, CLINICAL_SEARCH, 'strict'));
    expect(err.status).toBe(400);
    expect(err.spineCode).toBe('BAD_REQUEST');
    expect(err.message).toContain('date, _sort');
    expect(err.outcome.issue[0]?.expression).toEqual(['date', '_sort']);
  });

  it.each(['patient', '_count', '_page', '_format'])('refuses %s given twice with 400 naming it', (name) => {
    const err = refusal(() => readSearchParameters({ patient: 'p', [name]: ['1', '2'] }, CLINICAL_SEARCH, 'lenient'));
    expect(err.status).toBe(400);
    expect(err.spineCode).toBe('BAD_REQUEST');
    expect(err.message).toContain(`Only one ${name}`);
  });

  it('says only one identifier is supported for two identifiers', () => {
    const err = refusal(() => readSearchParameters({ identifier: ['a|1', 'a|2'] }, PATIENT_SEARCH, 'lenient'));
    expect(err.message).toMatch(/Only one identifier is supported/);
  });
});

describe('ignoredParameterIssues', () => {
  it('warns once per ignored parameter that the results are NOT filtered by it', () => {
    const issues = ignoredParameterIssues(['clinical-status', '_summary']);
    expect(issues.map((i) => [i.severity, i.expression])).toEqual([
      ['warning', ['clinical-status']],
      ['warning', ['_summary']],
    ]);
    expect(issues[0]?.diagnostics).toMatch(/clinical-status .*NOT filtered/);
  });
});
