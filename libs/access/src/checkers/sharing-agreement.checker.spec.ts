import type { RecordSection, SharingAgreement } from '@lloyd/config';
import { agreement, NOW, snapshot, tokenFor } from '../testing/fixtures.js';
import type { CheckResult } from './checker.js';
import type { OrganisationContext } from './policy-snapshot.js';
import { SharingAgreementChecker } from './sharing-agreement.checker.js';

interface Row {
  organisation?: string;
  practiceOds?: string;
  day?: string;
  agreements: SharingAgreement[];
  organisationTypes?: Record<string, string>;
  requested?: RecordSection[];
  emergency?: boolean;
}

function check(row: Row): CheckResult<SharingAgreement> {
  const token = tokenFor('hospital-epr', {
    organisation: row.organisation ?? 'RX1',
    ...(row.emergency ? { reason: 'emergency' as const, reasonText: 'collapsed' } : {}),
  });
  const context: OrganisationContext = {
    request: {
      token,
      practiceOds: row.practiceOds ?? 'P10001',
      requestedSections: row.requested ?? ['allergies'],
      now: NOW,
    },
    policy: snapshot({ agreements: row.agreements, organisationTypes: row.organisationTypes ?? {} }),
    day: row.day ?? '2026-03-02',
  };
  return new SharingAgreementChecker().check(context);
}

const chosen = (result: CheckResult<SharingAgreement>) =>
  result.allowed ? result.grant.id : `denied:${result.denial.spineCode}`;

describe('SharingAgreementChecker', () => {
  const denied = 'denied:NO_ORGANISATION_CONSENT';

  it.each<[string, Row, string]>([
    ['consumer named by ODS', { agreements: [agreement()] }, 'test-agreement'],
    [
      'consumer named by organisation type',
      {
        agreements: [agreement({ consumer: { organisationType: 'acute-trust' } })],
        organisationTypes: { RX1: 'acute-trust' },
      },
      'test-agreement',
    ],
    ['first day of validity', { day: '2024-01-01', agreements: [agreement()] }, 'test-agreement'],
    ['day before validTo', { day: '2026-03-01', agreements: [agreement({ validTo: '2026-03-02' })] }, 'test-agreement'],
    ['no agreements at all', { agreements: [] }, denied],
    ['another consumer', { organisation: 'RZZ', agreements: [agreement()] }, denied],
    [
      'organisation of another type',
      {
        organisation: 'RZZ',
        agreements: [agreement({ consumer: { organisationType: 'social-care' } })],
        organisationTypes: { RZZ: 'acute-trust' },
      },
      denied,
    ],
    [
      'organisation with no type',
      { agreements: [agreement({ consumer: { organisationType: 'acute-trust' } })] },
      denied,
    ],
    ['another data controller', { practiceOds: 'P20002', agreements: [agreement()] }, denied],
    [
      'expired (validTo is the first day it no longer applies)',
      { agreements: [agreement({ validTo: '2026-03-02' })] },
      denied,
    ],
    ['not yet valid', { agreements: [agreement({ validFrom: '2026-03-03' })] }, denied],
    [
      'the one covering more of the request wins',
      {
        requested: ['allergies', 'problems'],
        agreements: [agreement({ id: 'narrow' }), agreement({ id: 'wide', sections: ['allergies', 'problems'] })],
      },
      'wide',
    ],
    [
      'an emergency-capable agreement wins for emergency requests',
      {
        emergency: true,
        agreements: [
          agreement({ id: 'wide', sections: ['allergies', 'medications', 'problems'] }),
          agreement({ id: 'emergency', emergencyAccess: true, sections: ['allergies'] }),
        ],
      },
      'emergency',
    ],
    [
      'a current agreement wins over an expired one',
      {
        agreements: [
          agreement({ id: 'old', validTo: '2025-01-01' }),
          agreement({ id: 'new', validFrom: '2025-01-01' }),
        ],
      },
      'new',
    ],
  ])('%s', (_name, row, expected) => {
    expect(chosen(check(row))).toBe(expected);
  });

  it('explains which rule denied and what to do, naming an expired agreement of the caller', () => {
    const result = check({ agreements: [agreement({ id: 'old-deal', validTo: '2026-01-01' })] });
    expect(result.allowed).toBe(false);
    if (result.allowed) return;
    expect(result.denial.status).toBe(403);
    expect(result.denial.rule).toBe('no-sharing-agreement');
    expect(result.denial.outcome.issue[0]?.diagnostics).toBe(
      "No sharing agreement allows organisation RX1 to view records held by this practice today (agreement old-deal ended on 2026-01-01). Ask the practice's data controller to set one up.",
    );
  });
});
