import { deepFreeze, EXTENSIONS } from '@lloyd/adapters-core';
import { medicationRequest, medicationStatement } from '../testing/medications.js';
import { withLastIssueDates } from './last-issue-dates.js';

const statement = (id: string, plan: string, extension?: fhir4.Extension[]) =>
  medicationStatement(id, { plan, ...(extension ? { extension } : {}) });
const request = (id: string, intent: 'plan' | 'order', authoredOn?: string, plan?: string) =>
  medicationRequest(id, intent, { ...(authoredOn ? { authoredOn } : {}), ...(plan ? { plan } : {}) });

const lastIssueOf = (resources: readonly fhir4.Resource[], id: string) =>
  (resources.find((r) => r.id === id) as fhir4.MedicationStatement).extension?.find(
    (e) => e.url === EXTENSIONS.lastIssueDate,
  )?.valueDateTime;

describe('withLastIssueDates', () => {
  it('gives a statement the latest issue of its authorisation, comparing partial dates by their start', () => {
    const input = deepFreeze([
      statement('s1', 'a1'),
      request('a1', 'plan', '2019-01-01'),
      request('i1', 'order', '2020-12-31', 'a1'),
      request('i2', 'order', '2021', 'a1'),
      request('i3', 'order', '2020-06-01T10:00:00+01:00', 'a1'),
      statement('s2', 'a2'),
      request('a2', 'plan', '2019-01-01'),
      request('i4', 'order', '2018-05-05', 'a2'),
    ]);
    const out = withLastIssueDates(input);
    expect(lastIssueOf(out, 's1')).toBe('2021');
    expect(lastIssueOf(out, 's2')).toBe('2018-05-05');
    expect(lastIssueOf(input, 's1')).toBeUndefined();
  });

  it('leaves a statement with no issue in view, and one that already says when it was last issued', () => {
    const own = [{ url: EXTENSIONS.lastIssueDate, valueDateTime: '2024-02-02' }];
    const input = [
      statement('s1', 'a1'),
      request('a1', 'plan', '2019-01-01'),
      statement('s2', 'a2', own),
      request('a2', 'plan', '2019-01-01'),
      request('i2', 'order', '2025-01-01', 'a2'),
      // An issue of another authorisation, and an issue without a date, name no statement's plan.
      request('i3', 'order', '2025-01-01', 'elsewhere'),
      request('i4', 'order', undefined, 'a1'),
    ];
    const out = withLastIssueDates(input);
    expect(out[0]).toBe(input[0]);
    expect(lastIssueOf(out, 's1')).toBeUndefined();
    expect(lastIssueOf(out, 's2')).toBe('2024-02-02');
  });
});
