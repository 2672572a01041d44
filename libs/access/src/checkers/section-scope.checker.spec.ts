import type { RecordSection } from '@lloyd/config';
import { agreement, practice } from '../testing/fixtures.js';
import { SectionScopeChecker, type SectionScope } from './section-scope.checker.js';

function scope(requested: RecordSection[], agreed: RecordSection[], disabled: RecordSection[] = []): SectionScope {
  const result = new SectionScopeChecker().check({
    requested,
    practice: practice({ disabledSections: disabled }),
    agreement: agreement({ id: 'deal', sections: agreed }),
  });
  if (!result.allowed) throw new Error('the section scope never refuses');
  return result.grant;
}

describe('SectionScopeChecker', () => {
  it.each<[string, RecordSection[], RecordSection[], RecordSection[], RecordSection[], string[]]>([
    [
      'all requested and agreed',
      ['allergies', 'problems'],
      ['allergies', 'problems', 'medications'],
      [],
      ['allergies', 'problems'],
      [],
    ],
    ['nothing requested', [], ['allergies'], [], [], []],
    [
      'outside the agreement',
      ['allergies', 'consultations'],
      ['allergies'],
      [],
      ['allergies'],
      ['consultations:not-in-agreement'],
    ],
    [
      'disabled at the practice',
      ['allergies', 'problems'],
      ['allergies', 'problems'],
      ['problems'],
      ['allergies'],
      ['problems:disabled-at-practice'],
    ],
    ['disabled and outside', ['referrals'], ['allergies'], ['referrals'], [], ['referrals:disabled-at-practice']],
    ['duplicates requested once', ['allergies', 'allergies'], ['allergies'], [], ['allergies'], []],
  ])('%s', (_name, requested, agreed, disabled, sections, withheld) => {
    const result = scope(requested, agreed, disabled);
    expect(result.sections).toEqual(sections);
    expect(result.withheld.map((w) => `${w.section}:${w.reason}`)).toEqual(withheld);
  });

  it('warns NOT_IMPLEMENTED "includeX has been disabled" for each section switched off at the practice', () => {
    const { warnings } = scope(
      ['problems', 'uncategorised'],
      ['problems', 'uncategorised'],
      ['problems', 'uncategorised'],
    );
    expect(warnings.map((w) => [w.severity, w.details?.coding?.[0]?.code, w.diagnostics])).toEqual([
      ['warning', 'NOT_IMPLEMENTED', 'includeProblems has been disabled'],
      ['warning', 'NOT_IMPLEMENTED', 'includeUncategorisedData has been disabled'],
    ]);
  });

  it('names every section the agreement leaves out in one warning', () => {
    const { warnings } = scope(['allergies', 'consultations', 'immunisations'], ['allergies']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ severity: 'warning', code: 'forbidden' });
    expect(warnings[0]?.diagnostics).toBe(
      "The sharing agreement deal does not cover consultations (includeConsultations), immunisations (includeImmunisations), so they have been left out. Ask the practice's data controller to extend the agreement if you need them.",
    );
  });

  it('grants linked sections silently, only where the practice has them and the agreement covers them', () => {
    const result = new SectionScopeChecker().check({
      requested: ['problems'],
      linked: ['problems', 'medications', 'documents', 'referrals', 'medications'],
      practice: practice({ disabledSections: ['referrals'] }),
      agreement: agreement({ id: 'deal', sections: ['problems', 'medications', 'referrals'] }),
    });
    if (!result.allowed) throw new Error('the section scope never refuses');
    // Requested sections are not linked ones; documents are outside the agreement; referrals are off at the practice.
    expect(result.grant.linkedSections).toEqual(['medications']);
    expect(result.grant.sections).toEqual(['problems']);
    expect(result.grant.withheld).toEqual([]);
    expect(result.grant.warnings).toEqual([]);
  });

  it('grants no linked sections when none are asked for', () => {
    expect(scope(['allergies'], ['allergies', 'problems']).linkedSections).toEqual([]);
  });
});
