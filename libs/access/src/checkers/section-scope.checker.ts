import type { PracticeSettings, RecordSection, SharingAgreement } from '@lloyd/config';
import { spineIssue, type OperationOutcomeIssue } from '@lloyd/fhir';
import type { WithheldSection } from '../access-decision.js';
import { sectionParameter } from '../sections.js';
import { allow, type AccessChecker, type CheckResult } from './checker.js';

export interface SectionScopeContext {
  requested: readonly RecordSection[];
  /** Sections wanted only for the items linked to requested ones (GP Connect's secondary lists). */
  linked?: readonly RecordSection[];
  practice: PracticeSettings;
  agreement: SharingAgreement;
}

export interface SectionScope {
  sections: RecordSection[];
  warnings: OperationOutcomeIssue[];
  withheld: WithheldSection[];
  /** The linked sections granted: not requested, but enabled at the practice and covered by the agreement. */
  linkedSections: RecordSection[];
}

/**
 * Per-section sharing: a section is granted only when it is requested, enabled at the practice and covered by the
 * agreement. It never refuses the request: a section switched off at the practice gets GP Connect's
 * `NOT_IMPLEMENTED` warning ("includeX has been disabled"), one the agreement does not cover a warning naming it.
 * Linked sections are granted under the same two conditions, silently: the caller did not ask for them, so leaving
 * one out is not worth a warning (the items linked from it are simply not returned).
 */
export class SectionScopeChecker implements AccessChecker<SectionScopeContext, SectionScope> {
  check({ requested, linked = [], practice, agreement }: SectionScopeContext): CheckResult<SectionScope> {
    const sections: RecordSection[] = [];
    const withheld: WithheldSection[] = [];
    for (const section of new Set(requested)) {
      if (practice.disabledSections.includes(section)) withheld.push({ section, reason: 'disabled-at-practice' });
      else if (agreement.sections.includes(section)) sections.push(section);
      else withheld.push({ section, reason: 'not-in-agreement' });
    }
    const warnings = withheld
      .filter((w) => w.reason === 'disabled-at-practice')
      .map((w) =>
        spineIssue('NOT_IMPLEMENTED', `${sectionParameter(w.section)} has been disabled`, { severity: 'warning' }),
      );
    const outside = withheld.filter((w) => w.reason === 'not-in-agreement').map((w) => w.section);
    if (outside.length > 0) warnings.push(notCoveredWarning(agreement, outside));
    const linkedSections = [...new Set(linked)].filter(
      (section) =>
        !requested.includes(section) &&
        !practice.disabledSections.includes(section) &&
        agreement.sections.includes(section),
    );
    return allow({ sections, warnings, withheld, linkedSections });
  }
}

function notCoveredWarning(agreement: SharingAgreement, sections: readonly RecordSection[]): OperationOutcomeIssue {
  const names = sections.map((s) => `${s} (${sectionParameter(s)})`).join(', ');
  return spineIssue(
    'NO_ORGANISATION_CONSENT',
    `The sharing agreement ${agreement.id} does not cover ${names}, so ${sections.length === 1 ? 'it has' : 'they have'} ` +
      `been left out. Ask the practice's data controller to extend the agreement if you need ${sections.length === 1 ? 'it' : 'them'}.`,
    { severity: 'warning' },
  );
}
