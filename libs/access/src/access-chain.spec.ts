import { recordSections, type RecordSection } from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import type { AccessDecision, PatientFlags } from './access-decision.js';
import { AccessDeniedError } from './access-denied.js';
import {
  accessFixture,
  agreement,
  counterValue,
  demoConfig,
  emergencyToken,
  flags,
  NOW,
  ORDINARY_PATIENT,
  practice,
  tokenFor,
  withAccess,
  type AccessFixture,
  type PatientClient,
} from './testing/fixtures.js';

const ALL: RecordSection[] = [...recordSections];

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<AccessDeniedError> {
  const error: unknown = await (typeof promise === 'function' ? Promise.resolve().then(promise) : promise).then(
    () => new Error('expected a denial, but access was allowed'),
    (err: unknown) => err,
  );
  if (!(error instanceof AccessDeniedError)) throw error;
  return error;
}

describe('AccessChain with the demo configuration', () => {
  let f: AccessFixture;

  beforeEach(() => {
    f = accessFixture();
  });

  async function decide(
    client: PatientClient,
    patient: PatientFlags = ORDINARY_PATIENT,
    requested = ALL,
  ): Promise<AccessDecision> {
    const organisation = await f.chain.decideOrganisation({
      token: tokenFor(client),
      practiceOds: 'P10001',
      requestedSections: requested,
      now: NOW,
    });
    return f.chain.decidePatient(organisation, patient, NOW);
  }

  it('lets hospital-epr (RX1) see every section, without warnings', async () => {
    const decision = await decide('hospital-epr');
    expect(decision).toMatchObject({
      agreementId: 'demo-hospital-all',
      organisation: 'RX1',
      practiceOds: 'P10001',
      emergency: false,
      dissentOverridden: false,
      withheldSections: [],
      warnings: [],
    });
    expect(decision.sections).toEqual(ALL);
  });

  it('lets social-care (SC100) see allergies, medications and problems only, with a warning naming the rest', async () => {
    const decision = await decide('social-care');
    expect(decision.agreementId).toBe('demo-social-care');
    expect(decision.sections).toEqual(['allergies', 'medications', 'problems']);
    expect(decision.withheldSections.map((w) => w.section)).toEqual([
      'consultations',
      'immunisations',
      'investigations',
      'referrals',
      'uncategorised',
      'documents',
    ]);
    expect(decision.warnings).toHaveLength(1);
    const text = decision.warnings[0]?.diagnostics ?? '';
    for (const name of [
      'includeConsultations',
      'includeImmunisations',
      'includeInvestigations',
      'includeReferrals',
      'includeUncategorisedData',
      'documents',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('grants social-care the linked sections its agreement covers, silently, and keeps them apart', async () => {
    const organisation = await f.chain.decideOrganisation({
      token: tokenFor('social-care'),
      practiceOds: 'P10001',
      requestedSections: ['problems'],
      linkedSections: ALL,
      now: NOW,
    });
    const decision = f.chain.decidePatient(organisation, ORDINARY_PATIENT, NOW);
    expect(decision.sections).toEqual(['problems']);
    expect(decision.linkedSections).toEqual(['allergies', 'medications']);
    expect(decision.warnings).toEqual([]);
    expect(decision.withheldSections).toEqual([]);
    expect(decision.allows('medications')).toBe(false);
    expect(decision.allowsLinked('medications')).toBe(true);
    expect(decision.allowsLinked('consultations')).toBe(false);
    expect(Object.isFrozen(decision.linkedSections)).toBe(true);
  });

  it('gives social-care no warning when it asks only for what its agreement covers', async () => {
    const decision = await decide('social-care', ORDINARY_PATIENT, ['allergies', 'problems']);
    expect(decision.sections).toEqual(['allergies', 'problems']);
    expect(decision.warnings).toEqual([]);
  });

  it('refuses no-agreement (RZZ) with NO_ORGANISATION_CONSENT, naming the rule and the next step', async () => {
    const denial = await rejection(decide('no-agreement'));
    expect(denial.status).toBe(403);
    expect(denial.spineCode).toBe('NO_ORGANISATION_CONSENT');
    expect(denial.rule).toBe('no-sharing-agreement');
    expect(denial.outcome.issue[0]?.diagnostics).toBe(
      "No sharing agreement allows organisation RZZ to view records held by this practice. Ask the practice's data controller to set one up.",
    );
    expect(await counterValue(f.metrics, 'lloyd_access_denied_total', { rule: 'no-sharing-agreement' })).toBe(1);
  });

  it('refuses an organisation without any agreement before anything about the patient is known (phase 0)', async () => {
    await expect(f.chain.decideConsumer(tokenFor('hospital-epr'), NOW)).resolves.toBeUndefined();
    const denial = await rejection(f.chain.decideConsumer(tokenFor('no-agreement'), NOW));
    expect(denial.spineCode).toBe('NO_ORGANISATION_CONSENT');
    expect(denial.outcome.issue[0]?.diagnostics).toMatch(/organisation RZZ/);
  });

  it.each<[string, Partial<PatientFlags>]>([
    ['sensitive', { sensitive: true }],
    ['deceased', { deceased: true }],
    ['inactive', { active: false }],
  ])('answers a %s patient with PATIENT_NOT_FOUND, even under emergency access', async (_name, patient) => {
    const denial = await rejection(decide('hospital-epr', flags(patient)));
    expect(denial.status).toBe(404);
    expect(denial.spineCode).toBe('PATIENT_NOT_FOUND');
    const organisation = await f.chain.decideOrganisation({
      token: emergencyToken('hospital-epr'),
      practiceOds: 'P10001',
      requestedSections: ALL,
      now: NOW,
    });
    expect((await rejection(() => f.chain.decidePatient(organisation, flags(patient)))).spineCode).toBe(
      'PATIENT_NOT_FOUND',
    );
  });

  it.each<PatientClient>(['hospital-epr', 'social-care'])(
    'refuses %s a dissenting patient in direct care',
    async (client) => {
      const denial = await rejection(decide(client, flags({ dissent: true })));
      expect(denial.status).toBe(403);
      expect(denial.spineCode).toBe('NO_PATIENT_CONSENT');
      expect(denial.rule).toBe('patient-dissent');
    },
  );

  it('lets RX1 override dissent with emergency access, flagged and counted', async () => {
    const organisation = await f.chain.decideOrganisation({
      token: emergencyToken('hospital-epr'),
      practiceOds: 'P10001',
      requestedSections: ALL,
      now: NOW,
    });
    const decision = f.chain.decidePatient(organisation, flags({ dissent: true }), NOW);
    expect(decision).toMatchObject({
      emergency: true,
      emergencyRequested: true,
      emergencyReason: 'Unconscious in A&E, allergy history needed',
      dissentOverridden: true,
      agreementId: 'demo-hospital-all',
    });
    expect(await counterValue(f.metrics, 'lloyd_emergency_access_total', { organisation: 'RX1' })).toBe(1);
  });

  it('refuses SC100 emergency access to a dissenting patient: its agreement does not allow it', async () => {
    const organisation = await f.chain.decideOrganisation({
      token: emergencyToken('social-care'),
      practiceOds: 'P10001',
      requestedSections: ['allergies'],
      now: NOW,
    });
    expect(organisation.emergency).toBe(false);
    expect(organisation.emergencyRequested).toBe(true);
    const denial = await rejection(() => f.chain.decidePatient(organisation, flags({ dissent: true })));
    expect(denial.spineCode).toBe('NO_PATIENT_CONSENT');
    expect(denial.outcome.issue[0]?.diagnostics).toMatch(/not allowed under sharing agreement demo-social-care/);
    expect(await counterValue(f.metrics, 'lloyd_emergency_access_total', { organisation: 'SC100' })).toBe(0);
  });

  it('lets SC100 read a consenting patient when it asks for emergency access, as ordinary direct care', async () => {
    const organisation = await f.chain.decideOrganisation({
      token: emergencyToken('social-care'),
      practiceOds: 'P10001',
      requestedSections: ['allergies'],
      now: NOW,
    });
    const decision = f.chain.decidePatient(organisation, ORDINARY_PATIENT);
    expect(decision).toMatchObject({ emergency: false, dissentOverridden: false, sections: ['allergies'] });
  });

  it('returns an immutable decision that only the chain can make', async () => {
    const decision = await decide('social-care');
    expect(Object.isFrozen(decision)).toBe(true);
    expect(Object.isFrozen(decision.sections)).toBe(true);
    expect(() => (decision.sections as RecordSection[]).push('documents')).toThrow(TypeError);
    expect(() => Object.assign(decision, { emergency: true })).toThrow(TypeError);
    expect(Object.isFrozen(decision.warnings[0])).toBe(true);
    const Forged = decision.constructor as new (mint: symbol, fields: object) => unknown;
    expect(() => new Forged(Symbol('access-chain-mint'), {})).toThrow(/only by the AccessChain/);
  });

  it('filters resources to the decision: allowed sections and record context, nothing else', async () => {
    const decision = await decide('social-care');
    const permitted = (resourceType: string) => decision.permits({ resourceType });
    expect(
      ['AllergyIntolerance', 'MedicationStatement', 'Condition', 'Patient', 'Organization'].map(permitted),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['Encounter', 'Immunization', 'DocumentReference', 'Observation', 'Consent', 'AuditEvent'].map(permitted),
    ).toEqual([false, false, false, false, false, false]);
  });

  it('lets items of linked sections through permitsLinked only, and within the agreement', async () => {
    const organisation = await f.chain.decideOrganisation({
      token: tokenFor('social-care'),
      practiceOds: 'P10001',
      requestedSections: ['problems'],
      // What problems link to: medications is within social-care's agreement, consultations is not.
      linkedSections: ['medications', 'consultations'],
      now: NOW,
    });
    const decision = f.chain.decidePatient(organisation, ORDINARY_PATIENT, NOW);
    const linked = (resourceType: string) => decision.permitsLinked({ resourceType });
    expect(['Condition', 'MedicationStatement', 'Patient', 'Encounter', 'AuditEvent'].map(linked)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(decision.permits({ resourceType: 'MedicationStatement' })).toBe(false);
  });

  it('throws OperationOutcomeErrors the gateway filter can write unchanged', async () => {
    const denial = await rejection(decide('no-agreement'));
    expect(denial).toBeInstanceOf(OperationOutcomeError);
    expect(denial.outcome.resourceType).toBe('OperationOutcome');
  });
});

describe('AccessChain with varied policies', () => {
  async function organisationDecision(
    access: Parameters<typeof withAccess>[1],
    requested: RecordSection[] = ['allergies'],
    practiceOds = 'P10001',
    now = NOW,
  ) {
    const f = accessFixture(withAccess(demoConfig(), access));
    return f.chain.decideOrganisation({
      token: tokenFor('hospital-epr'),
      practiceOds,
      requestedSections: requested,
      now,
    });
  }

  it.each([
    ['expired agreement', { agreements: [agreement({ validTo: '2026-01-01' })] }, 'NO_ORGANISATION_CONSENT'],
    ['agreement ending today', { agreements: [agreement({ validTo: '2026-03-02' })] }, 'NO_ORGANISATION_CONSENT'],
    ['not-yet-valid agreement', { agreements: [agreement({ validFrom: '2026-04-01' })] }, 'NO_ORGANISATION_CONSENT'],
    ['practice disabled', { practices: [practice({ enabled: false })] }, 'ACCESS DENIED'],
    ['practice not listed', { practices: [practice({ ods: 'P20002' })] }, 'ACCESS DENIED'],
  ])('denies: %s', async (_name, access, code) => {
    const denial = await rejection(
      organisationDecision({ agreements: [agreement()], practices: [practice()], ...access }),
    );
    expect(denial.spineCode).toBe(code);
    expect(denial.status).toBe(403);
  });

  it('uses the English date: just after midnight BST on the first day counts as that day', async () => {
    const decision = await organisationDecision(
      { agreements: [agreement({ validFrom: '2026-06-01' })], practices: [practice()] },
      ['allergies'],
      'P10001',
      new Date('2026-05-31T23:30:00Z'),
    );
    expect(decision.agreementId).toBe('test-agreement');
  });

  it('withholds a section disabled at the practice with GP Connect warning, and keeps the rest', async () => {
    const decision = await organisationDecision(
      {
        agreements: [agreement({ sections: ['allergies', 'problems'] })],
        practices: [practice({ disabledSections: ['problems'] })],
      },
      ['allergies', 'problems'],
    );
    expect(decision.sections).toEqual(['allergies']);
    expect(decision.warnings.map((w) => [w.details?.coding?.[0]?.code, w.diagnostics])).toEqual([
      ['NOT_IMPLEMENTED', 'includeProblems has been disabled'],
    ]);
  });
});
