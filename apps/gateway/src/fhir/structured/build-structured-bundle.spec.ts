import { EXTENSIONS } from '@lloyd/adapters-core';
import { recordSections } from '@lloyd/config';
import { RECORD_WARNING_SYSTEM } from '@lloyd/terminology';
import {
  deepFreeze,
  spineIssue,
  SNOMED_SYSTEM,
  SPINE_ERROR_SYSTEM,
  type Bundle,
  type OperationOutcome,
  type OperationOutcomeIssue,
  referencesIn,
  type Resource,
} from '@lloyd/fhir';
import type { PreparedRecord } from '../record/record-reader.js';
import { buildStructuredBundle, linkedSectionsFor, requestedSections } from './build-structured-bundle.js';
import {
  type Part,
  part,
  area,
  request,
  allergies,
  everyArea,
  ref,
  subject,
  LAB,
  allergy,
  condition,
  report,
  observation,
  clinicalResources,
  withMembers,
  markedDegraded,
  canonicalRecord,
  decision,
  prepared,
  ALL_SECTIONS,
} from '../testing/structured-fixtures.js';
import { eventDate } from './dates.js';
import { LIST_WARNING_EXTENSION, LIST_WARNING_TEXT } from './list-sections.js';
import type { StructuredRecordRequest } from './structured-request.js';

const NOW = new Date('2024-06-15T12:00:00.000Z');
const BASE = 'https://lloyd.test/fhir';

// GP Connect's List codes and titles (Access Record Structured), written out here rather than imported.
const LISTS = {
  allergies: { code: '886921000000105', title: 'Allergies and adverse reactions' },
  endedAllergies: { code: '1103671000000101', title: 'Ended allergies (resolved allergies are contained here)' },
  medications: { code: '933361000000108', title: 'Medications and medical devices' },
  problems: { code: '717711000000103', title: 'Problems' },
  consultations: { code: '1149501000000101', title: 'List of consultations' },
  immunisations: { code: '1102181000000102', title: 'Immunisations' },
  investigations: { code: '887191000000108', title: 'Investigations and results' },
  referrals: { code: '792931000000107', title: 'Outbound referral' },
  uncategorised: { code: '826501000000100', title: 'Miscellaneous record' },
} as const;
const CONFIDENTIAL_TEXT = 'Items excluded due to confidentiality and/or patient preferences.';

const build = (req: StructuredRecordRequest, prep: PreparedRecord = prepared(), dataInTransit = false) =>
  buildStructuredBundle({ request: req, prepared: prep, baseUrl: BASE, stamp: NOW.toISOString(), dataInTransit });

// ---- Reading the bundle ----------------------------------------------------------------------------------------

const resourcesOf = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource!);
const keysOf = (bundle: Bundle) => resourcesOf(bundle).map((r) => `${r.resourceType}/${r.id ?? ''}`);
const idsOf = (bundle: Bundle, type: string) =>
  resourcesOf(bundle)
    .filter((r) => r.resourceType === type)
    .map((r) => r.id)
    .sort();
const listsOf = (bundle: Bundle) => resourcesOf(bundle).filter((r): r is fhir4.List => r.resourceType === 'List');
const listCodes = (bundle: Bundle) => listsOf(bundle).map((l) => l.code?.coding?.[0]?.code);

function listOf(bundle: Bundle, code: string): fhir4.List {
  const found = listsOf(bundle).filter((l) => l.code?.coding?.some((c) => c.code === code));
  expect(found).toHaveLength(1);
  return found[0]!;
}

const entriesOf = (list: fhir4.List) => (list.entry ?? []).map((e) => e.item.reference).sort();
const refsTo = (type: string, ...ids: string[]) => ids.map((id) => `${type}/${id}`).sort();

function outcomeOf(bundle: Bundle): OperationOutcome | undefined {
  const outcomes = resourcesOf(bundle).filter((r): r is OperationOutcome => r.resourceType === 'OperationOutcome');
  expect(outcomes.length).toBeLessThanOrEqual(1);
  return outcomes[0];
}

const spineCode = (issue: OperationOutcomeIssue) =>
  issue.details?.coding?.find((c) => c.system === SPINE_ERROR_SYSTEM)?.code;

// ---- Tests -----------------------------------------------------------------------------------------------------

describe('requestedSections', () => {
  it('names the requested areas in GP Connect order, whatever the order of the parameters', () => {
    expect(
      requestedSections(
        request(
          area('includeUncategorisedData'),
          area('includeReferrals'),
          allergies(false),
          area('includeMedication'),
        ),
      ),
    ).toEqual(['allergies', 'medications', 'referrals', 'uncategorised']);
    expect(requestedSections(request())).toEqual([]);
  });
});

describe('buildStructuredBundle', () => {
  describe('the bundle', () => {
    it('is a GP Connect StructuredRecord collection with the patient, practice and usual GP first', () => {
      const bundle = build(everyArea());
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('collection');
      expect(bundle.meta?.profile).toContain(
        'https://fhir.nhs.uk/StructureDefinition/GPConnect-StructuredRecord-Bundle',
      );
      expect(keysOf(bundle).slice(0, 4)).toEqual([
        'Patient/pat-1',
        'Organization/org-1',
        'Practitioner/gp-1',
        'PractitionerRole/role-1',
      ]);
      // Only the usual GP (the first practitioner and role).
      expect(idsOf(bundle, 'Practitioner')).toEqual(['gp-1']);
      expect(idsOf(bundle, 'PractitionerRole')).toEqual(['role-1']);
      for (const entry of bundle.entry ?? []) {
        if (['List', 'OperationOutcome'].includes(entry.resource!.resourceType)) continue;
        expect(entry.fullUrl).toBe(`${BASE}/${entry.resource!.resourceType}/${entry.resource!.id}`);
      }
    });

    it('gives the Lists and warnings, which are not served by id, urn:uuid fullUrls unique per patient and list', () => {
      const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      const warned = prepared({ decision: decision(ALL_SECTIONS, [spineIssue('BAD_REQUEST', 'a warning')]) });
      const local = (bundle: Bundle) =>
        (bundle.entry ?? []).filter((e) => ['List', 'OperationOutcome'].includes(e.resource!.resourceType));
      const first = local(build(everyArea(), warned));
      expect(first.filter((e) => e.resource!.resourceType === 'OperationOutcome')).toHaveLength(1);
      expect(first.filter((e) => e.resource!.resourceType === 'List')).toHaveLength(9);
      for (const { fullUrl, resource } of first) {
        expect(resource!.id).toMatch(UUID);
        expect(fullUrl).toBe(`urn:uuid:${resource!.id}`);
      }
      expect(new Set(first.map((e) => e.fullUrl)).size).toBe(first.length);
      // The same for the same patient every time (so a kept answer stays right)…
      expect(local(build(everyArea(), warned)).map((e) => e.fullUrl)).toEqual(first.map((e) => e.fullUrl));
      // …and another patient's are others.
      const record = canonicalRecord();
      const other = prepared({ ...warned, record: { ...record, patient: { ...record.patient, id: 'pat-2' } } });
      const theirs = new Set(local(build(everyArea(), other)).map((e) => e.fullUrl));
      expect(theirs.size).toBe(first.length);
      for (const { fullUrl } of first) expect(theirs).not.toContain(fullUrl);
    });

    it('holds each resource once, even when several items reference it', () => {
      // med-a is referenced by a statement, its plan and two issues; plan-1 by a statement and two issues.
      const bundle = build(everyArea());
      const keys = keysOf(bundle);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.filter((k) => k === 'Medication/med-a')).toHaveLength(1);
      expect(keys.filter((k) => k === 'MedicationRequest/plan-1')).toHaveLength(1);
    });

    it('holds every resource each List references', () => {
      const bundle = build(everyArea());
      const keys = new Set(keysOf(bundle));
      const listed = listsOf(bundle).flatMap(entriesOf);
      expect(listed.length).toBeGreaterThan(10);
      for (const reference of listed) expect(keys).toContain(reference);
    });

    it('holds the clinicians the items name, with their roles and the organisations those roles name', () => {
      // gp-2 recorded an allergy at the previous practice (as after a GP2GP transfer): role-2 names that practice.
      const recorded: fhir4.AllergyIntolerance = { ...allergy('al-prev'), recorder: ref('Practitioner', 'gp-2') };
      const previous: fhir4.Organization = { resourceType: 'Organization', id: 'org-prev', name: 'Previous Surgery' };
      const record = canonicalRecord([recorded, previous]);
      const roles = record.practitionerRoles.map((r) =>
        r.id === 'role-2' ? { ...r, organization: ref('Organization', 'org-prev') } : r,
      );
      const bundle = build(request(allergies(false)), prepared({ record: { ...record, practitionerRoles: roles } }));
      const keys = new Set(keysOf(bundle));
      for (const key of ['Practitioner/gp-2', 'PractitionerRole/role-2', 'Organization/org-prev'])
        expect(keys).toContain(key);
      for (const resource of resourcesOf(bundle))
        for (const reference of referencesIn(resource).filter((r) =>
          /^(Practitioner|PractitionerRole|Organization|Location)\//.test(r),
        ))
          expect(keys).toContain(reference);
    });

    it('holds only the patient, practice and usual GP when no area is asked for', () => {
      const bundle = build(request());
      expect(keysOf(bundle)).toEqual([
        'Patient/pat-1',
        'Organization/org-1',
        'Practitioner/gp-1',
        'PractitionerRole/role-1',
      ]);
    });
  });

  describe('the Lists', () => {
    it('has one List per requested area with GP Connect code and title, for the patient', () => {
      const bundle = build(everyArea());
      const expected = [
        LISTS.allergies,
        LISTS.endedAllergies,
        LISTS.medications,
        LISTS.problems,
        LISTS.consultations,
        LISTS.immunisations,
        LISTS.investigations,
        LISTS.referrals,
        LISTS.uncategorised,
      ];
      expect(listCodes(bundle).sort()).toEqual(expected.map((l) => l.code).sort());
      for (const def of expected) {
        const list = listOf(bundle, def.code);
        expect(list.title).toBe(def.title);
        expect(list.code?.coding).toEqual([{ system: SNOMED_SYSTEM, code: def.code, display: def.title }]);
        expect(list.status).toBe('current');
        expect(list.mode).toBe('snapshot');
        expect(list.subject).toEqual({ reference: 'Patient/pat-1' });
        expect(list.date).toBe(NOW.toISOString());
      }
    });

    it('has Lists, and clinical items, only for the areas asked for', () => {
      const bundle = build(request(allergies(false), area('includeReferrals')));
      expect(listCodes(bundle).sort()).toEqual([LISTS.allergies.code, LISTS.referrals.code].sort());
      const types = new Set(resourcesOf(bundle).map((r) => r.resourceType));
      expect([...types].sort()).toEqual(
        [
          'AllergyIntolerance',
          'List',
          'Organization',
          'Patient',
          'Practitioner',
          'PractitionerRole',
          'ServiceRequest',
        ].sort(),
      );
    });

    it('leaves out the areas the access decision does not grant, with no trace of their items', () => {
      const bundle = build(
        request(allergies(true), area('includeMedication'), area('includeInvestigations')),
        prepared({ decision: decision(['allergies', 'problems']) }),
      );
      expect(listCodes(bundle).sort()).toEqual([LISTS.allergies.code, LISTS.endedAllergies.code].sort());
      const types = new Set(resourcesOf(bundle).map((r) => r.resourceType));
      for (const withheld of [
        'MedicationStatement',
        'MedicationRequest',
        'Medication',
        'DiagnosticReport',
        'Observation',
      ])
        expect(types).not.toContain(withheld);
      // Granted but not requested: no List either.
      expect(types).not.toContain('Condition');
    });

    it('gives an empty List an emptyReason and the "Information not available" note, and no entries', () => {
      const record = canonicalRecord(clinicalResources().filter((r) => r.resourceType !== 'Immunization'));
      const list = listOf(build(request(area('includeImmunisations')), prepared({ record })), LISTS.immunisations.code);
      expect(list.entry).toBeUndefined();
      expect(list.emptyReason?.coding).toEqual([
        expect.objectContaining({
          system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason',
          code: 'no-content-recorded',
        }),
      ]);
      expect(list.note).toEqual([{ text: 'Information not available' }]);
      expect(list.extension).toBeUndefined();
    });

    it('gives a List with items entries referencing exactly those items, and no emptyReason or note', () => {
      const bundle = build(request(area('includeReferrals')));
      const list = listOf(bundle, LISTS.referrals.code);
      expect(entriesOf(list)).toEqual(refsTo('ServiceRequest', 'sr-2018', 'sr-2023'));
      expect(list.emptyReason).toBeUndefined();
      expect(list.note).toBeUndefined();
      expect(idsOf(bundle, 'ServiceRequest')).toEqual(['sr-2018', 'sr-2023']);
    });
  });

  describe('allergies', () => {
    it('lists current allergies only, and leaves ended ones out when includeResolvedAllergies is false', () => {
      const bundle = build(request(allergies(false)));
      expect(entriesOf(listOf(bundle, LISTS.allergies.code))).toEqual(
        refsTo('AllergyIntolerance', 'al-active', 'al-nostatus'),
      );
      expect(listCodes(bundle)).not.toContain(LISTS.endedAllergies.code);
      expect(idsOf(bundle, 'AllergyIntolerance')).toEqual(['al-active', 'al-nostatus']);
    });

    it('puts resolved and inactive allergies in the "Ended allergies" List when includeResolvedAllergies is true', () => {
      const bundle = build(request(allergies(true)));
      expect(entriesOf(listOf(bundle, LISTS.allergies.code))).toEqual(
        refsTo('AllergyIntolerance', 'al-active', 'al-nostatus'),
      );
      const ended = listOf(bundle, LISTS.endedAllergies.code);
      expect(ended.title).toBe(LISTS.endedAllergies.title);
      expect(ended.subject).toEqual({ reference: 'Patient/pat-1' });
      expect(entriesOf(ended)).toEqual(refsTo('AllergyIntolerance', 'al-resolved', 'al-inactive'));
      expect(idsOf(bundle, 'AllergyIntolerance')).toEqual(['al-active', 'al-inactive', 'al-nostatus', 'al-resolved']);
    });

    it('gives an empty "Ended allergies" List an emptyReason when there are none', () => {
      const record = canonicalRecord([allergy('al-active', 'active')]);
      const bundle = build(request(allergies(true)), prepared({ record }));
      const ended = listOf(bundle, LISTS.endedAllergies.code);
      expect(ended.entry).toBeUndefined();
      expect(ended.emptyReason?.coding?.[0]?.code).toBe('no-content-recorded');
      expect(entriesOf(listOf(bundle, LISTS.allergies.code))).toEqual(['AllergyIntolerance/al-active']);
    });
  });

  describe('medication', () => {
    const medicationRequestIds = (bundle: Bundle, intent: string) =>
      resourcesOf(bundle)
        .filter((r): r is fhir4.MedicationRequest => r.resourceType === 'MedicationRequest')
        .filter((r) => r.intent === intent)
        .map((r) => r.id)
        .sort();

    it('with no filters: every statement listed, with the plans they are based on, their issues and medications', () => {
      const bundle = build(request(area('includeMedication')));
      expect(entriesOf(listOf(bundle, LISTS.medications.code))).toEqual(
        refsTo('MedicationStatement', 'ms-active', 'ms-old', 'ms-month', 'ms-recent'),
      );
      // A plan no statement is based on, and an issue based on no plan, are left out.
      expect(medicationRequestIds(bundle, 'plan')).toEqual(['plan-1', 'plan-2', 'plan-3']);
      expect(medicationRequestIds(bundle, 'order')).toEqual(['issue-1', 'issue-2', 'issue-old']);
      expect(idsOf(bundle, 'Medication')).toEqual(['med-a', 'med-b', 'med-c', 'med-d', 'med-e']);
    });

    it('medicationSearchFromDate leaves out statements (and their plans and issues) that ended before it', () => {
      const bundle = build(
        request(area('includeMedication', part('medicationSearchFromDate', { valueDate: '2020-01-15' }))),
      );
      // ms-old ended 2020-01-14; ms-active ended earlier still but is active; ms-month ended "2020-01".
      expect(entriesOf(listOf(bundle, LISTS.medications.code))).toEqual(
        refsTo('MedicationStatement', 'ms-active', 'ms-month', 'ms-recent'),
      );
      expect(medicationRequestIds(bundle, 'plan')).toEqual(['plan-1', 'plan-3']);
      // issue-old was issued before the from-date; issue-2 belongs to the left-out plan.
      expect(medicationRequestIds(bundle, 'order')).toEqual(['issue-1']);
      // med-b is referenced only by the left-out statement, plan and issue.
      expect(idsOf(bundle, 'Medication')).toEqual(['med-a', 'med-c', 'med-d', 'med-e']);
    });

    it('includePrescriptionIssues=false leaves out issues, and medications only they reference', () => {
      const bundle = build(
        request(area('includeMedication', part('includePrescriptionIssues', { valueBoolean: false }))),
      );
      expect(medicationRequestIds(bundle, 'order')).toEqual([]);
      expect(medicationRequestIds(bundle, 'plan')).toEqual(['plan-1', 'plan-2', 'plan-3']);
      expect(idsOf(bundle, 'Medication')).toEqual(['med-a', 'med-b', 'med-c', 'med-e']);
      expect(entriesOf(listOf(bundle, LISTS.medications.code))).toHaveLength(4);
    });

    it('lists only statements: plans, issues and medications are in the bundle but not on the List', () => {
      const list = listOf(build(request(area('includeMedication'))), LISTS.medications.code);
      expect(entriesOf(list).every((r) => r?.startsWith('MedicationStatement/'))).toBe(true);
    });
  });

  describe('problems', () => {
    const problems = (...parts: Part[]) =>
      entriesOf(listOf(build(request(area('includeProblems', ...parts))), LISTS.problems.code));

    it('with no filter lists every problem', () => {
      expect(problems()).toEqual(
        refsTo('Condition', 'cond-active-major', 'cond-active-minor', 'cond-inactive-major', 'cond-resolved-minor'),
      );
    });

    it('filterStatus=active lists active problems only', () => {
      expect(problems(part('filterStatus', { valueCode: 'active' }))).toEqual(
        refsTo('Condition', 'cond-active-major', 'cond-active-minor'),
      );
    });

    it('filterStatus=inactive lists inactive and resolved problems', () => {
      expect(problems(part('filterStatus', { valueCode: 'inactive' }))).toEqual(
        refsTo('Condition', 'cond-inactive-major', 'cond-resolved-minor'),
      );
    });

    it('counts recurrence and relapse as active, and remission as inactive', () => {
      const record = canonicalRecord([
        condition('cond-recurrence', 'recurrence', 'major'),
        condition('cond-relapse', 'relapse', 'minor'),
        condition('cond-remission', 'remission', 'major'),
        condition('cond-resolved', 'resolved', 'minor'),
      ]);
      const filtered = (status: string) =>
        entriesOf(
          listOf(
            build(request(area('includeProblems', part('filterStatus', { valueCode: status }))), prepared({ record })),
            LISTS.problems.code,
          ),
        );
      expect(filtered('active')).toEqual(refsTo('Condition', 'cond-recurrence', 'cond-relapse'));
      expect(filtered('inactive')).toEqual(refsTo('Condition', 'cond-remission', 'cond-resolved'));
    });

    it('filterSignificance keeps problems of that significance, and combines with filterStatus', () => {
      expect(problems(part('filterSignificance', { valueCode: 'major' }))).toEqual(
        refsTo('Condition', 'cond-active-major', 'cond-inactive-major'),
      );
      expect(problems(part('filterSignificance', { valueCode: 'minor' }))).toEqual(
        refsTo('Condition', 'cond-active-minor', 'cond-resolved-minor'),
      );
      expect(
        problems(part('filterStatus', { valueCode: 'inactive' }), part('filterSignificance', { valueCode: 'minor' })),
      ).toEqual(['Condition/cond-resolved-minor']);
    });
  });

  describe('consultations', () => {
    const consultations = (...parts: Part[]) =>
      entriesOf(listOf(build(request(area('includeConsultations', ...parts))), LISTS.consultations.code));

    it('with no filter lists every consultation', () => {
      expect(consultations()).toEqual(
        refsTo('Encounter', 'enc-2019', 'enc-2020', 'enc-2021', 'enc-2022', 'enc-nodate'),
      );
    });

    it('consultationSearchPeriod keeps consultations in the period, a partial date overlapping it, and undated ones', () => {
      expect(
        consultations(part('consultationSearchPeriod', { valuePeriod: { start: '2020-03-15', end: '2021-01-01' } })),
      ).toEqual(refsTo('Encounter', 'enc-2020', 'enc-2021', 'enc-nodate'));
      expect(consultations(part('consultationSearchPeriod', { valuePeriod: { start: '2021-01-02' } }))).toEqual(
        refsTo('Encounter', 'enc-2022', 'enc-nodate'),
      );
    });

    it('includeNumberOfMostRecent keeps the newest N consultations', () => {
      expect(consultations(part('includeNumberOfMostRecent', { valueInteger: 2 }))).toEqual(
        refsTo('Encounter', 'enc-2021', 'enc-2022'),
      );
      expect(consultations(part('includeNumberOfMostRecent', { valueInteger: 3 }))).toEqual(
        refsTo('Encounter', 'enc-2020', 'enc-2021', 'enc-2022'),
      );
      expect(consultations(part('includeNumberOfMostRecent', { valueInteger: 50 }))).toHaveLength(5);
    });

    it('includeNumberOfMostRecent does not depend on the order of the record', () => {
      const reversed = canonicalRecord([...clinicalResources()].reverse());
      const list = listOf(
        build(
          request(area('includeConsultations', part('includeNumberOfMostRecent', { valueInteger: 1 }))),
          prepared({ record: reversed }),
        ),
        LISTS.consultations.code,
      );
      expect(entriesOf(list)).toEqual(['Encounter/enc-2022']);
    });
  });

  describe('immunisations', () => {
    it('leaves out immunisations not given by default', () => {
      const bundle = build(request(area('includeImmunisations')));
      expect(entriesOf(listOf(bundle, LISTS.immunisations.code))).toEqual(['Immunization/imm-given']);
      expect(idsOf(bundle, 'Immunization')).toEqual(['imm-given']);
    });

    it('includes them with includeNotGiven=true, and not with includeNotGiven=false', () => {
      const withNotGiven = build(
        request(area('includeImmunisations', part('includeNotGiven', { valueBoolean: true }))),
      );
      expect(entriesOf(listOf(withNotGiven, LISTS.immunisations.code))).toEqual(
        refsTo('Immunization', 'imm-given', 'imm-notdone'),
      );
      const without = build(request(area('includeImmunisations', part('includeNotGiven', { valueBoolean: false }))));
      expect(entriesOf(listOf(without, LISTS.immunisations.code))).toEqual(['Immunization/imm-given']);
    });
  });

  describe('investigations', () => {
    it('lists every report, with the results and specimens they reference', () => {
      const bundle = build(request(area('includeInvestigations')));
      expect(entriesOf(listOf(bundle, LISTS.investigations.code))).toEqual(
        refsTo('DiagnosticReport', 'rep-2019', 'rep-2021'),
      );
      // obs-missing is referenced but not in the record: nothing dangling is invented.
      expect(idsOf(bundle, 'Observation')).toEqual(['obs-comment', 'obs-r1', 'obs-r2']);
      expect(idsOf(bundle, 'Specimen')).toEqual(['spec-1', 'spec-2']);
    });

    it('includes the results filed under test groups, at any depth, and keeps them out of uncategorised data', () => {
      const on = { effectiveDateTime: '2021-02-01' };
      const record = canonicalRecord([
        report('rep-fbc', on, ['grp-fbc'], []),
        withMembers(observation('grp-fbc', LAB, on), 'hb', 'grp-indices'),
        // A nested group that (wrongly) points back at its parent: each result is still included once.
        withMembers(observation('grp-indices', LAB, on), 'mcv', 'grp-fbc'),
        observation('hb', LAB, on),
        // A result without a laboratory category is still the report's, not uncategorised data.
        observation('mcv', undefined, on),
      ]);
      const bundle = build(
        request(area('includeInvestigations'), area('includeUncategorisedData')),
        prepared({ record }),
      );
      expect(idsOf(bundle, 'Observation')).toEqual(['grp-fbc', 'grp-indices', 'hb', 'mcv']);
      expect(keysOf(bundle).filter((k) => k === 'Observation/hb')).toHaveLength(1);
      expect(entriesOf(listOf(bundle, LISTS.investigations.code))).toEqual(['DiagnosticReport/rep-fbc']);
      expect(entriesOf(listOf(bundle, LISTS.uncategorised.code))).toEqual([]);
    });

    it('investigationSearchPeriod keeps reports in the period (by effective date, else issued) and only their results', () => {
      const period = (valuePeriod: fhir4.Period) =>
        build(request(area('includeInvestigations', part('investigationSearchPeriod', { valuePeriod }))));
      const recent = period({ start: '2020-01-01' });
      expect(entriesOf(listOf(recent, LISTS.investigations.code))).toEqual(['DiagnosticReport/rep-2021']);
      expect(idsOf(recent, 'Observation')).toEqual(['obs-r2']);
      expect(idsOf(recent, 'Specimen')).toEqual(['spec-2']);

      const old = period({ start: '2019-05-01', end: '2019-05-01' });
      expect(entriesOf(listOf(old, LISTS.investigations.code))).toEqual(['DiagnosticReport/rep-2019']);
      expect(idsOf(old, 'Observation')).toEqual(['obs-comment', 'obs-r1']);
      expect(idsOf(old, 'Specimen')).toEqual(['spec-1']);
    });

    it('lists only the reports: results and specimens are in the bundle but not on the List', () => {
      const list = listOf(build(request(area('includeInvestigations'))), LISTS.investigations.code);
      expect(entriesOf(list).every((r) => r?.startsWith('DiagnosticReport/'))).toBe(true);
    });
  });

  describe('referrals', () => {
    it('referralSearchPeriod keeps referrals authored in the period; a year-only date counts as the whole year', () => {
      const within = (valuePeriod: fhir4.Period) =>
        entriesOf(
          listOf(
            build(request(area('includeReferrals', part('referralSearchPeriod', { valuePeriod })))),
            LISTS.referrals.code,
          ),
        );
      expect(within({ start: '2023-06-01', end: '2024-01-01' })).toEqual(['ServiceRequest/sr-2023']);
      expect(within({ start: '2018-04-04', end: '2018-04-04' })).toEqual(['ServiceRequest/sr-2018']);
      expect(within({ start: '2018-04-05', end: '2022-12-31' })).toEqual([]);
      expect(within({ end: '2023-01-01' })).toEqual(refsTo('ServiceRequest', 'sr-2018', 'sr-2023'));
    });
  });

  describe('uncategorised data', () => {
    it('lists observations that are neither report results nor laboratory results', () => {
      const bundle = build(request(area('includeUncategorisedData')));
      expect(entriesOf(listOf(bundle, LISTS.uncategorised.code))).toEqual(refsTo('Observation', 'obs-bp', 'obs-note'));
      expect(idsOf(bundle, 'Observation')).toEqual(['obs-bp', 'obs-note']);
    });

    it('uncategorisedDataSearchPeriod filters by effective date or period start', () => {
      const within = (valuePeriod: fhir4.Period) =>
        entriesOf(
          listOf(
            build(request(area('includeUncategorisedData', part('uncategorisedDataSearchPeriod', { valuePeriod })))),
            LISTS.uncategorised.code,
          ),
        );
      expect(within({ start: '2020-01-01' })).toEqual(['Observation/obs-bp']);
      expect(within({ end: '2017-01-01' })).toEqual(['Observation/obs-note']);
    });

    it('does not repeat report results when investigations are asked for too', () => {
      const bundle = build(request(area('includeInvestigations'), area('includeUncategorisedData')));
      expect(entriesOf(listOf(bundle, LISTS.uncategorised.code))).toEqual(refsTo('Observation', 'obs-bp', 'obs-note'));
      const keys = keysOf(bundle);
      expect(new Set(keys).size).toBe(keys.length);
    });
  });

  describe('warnings', () => {
    it('has no OperationOutcome when there is nothing to warn about', () => {
      expect(outcomeOf(build(everyArea()))).toBeUndefined();
    });

    it("carries the request's and the access decision's warnings in one OperationOutcome entry", () => {
      const disabled = spineIssue('NOT_IMPLEMENTED', 'includeReferrals has been disabled', {
        severity: 'warning',
        expression: ['includeReferrals'],
      });
      const req = request(
        allergies(false),
        { name: 'includeTeapot' },
        area('includeMedication', part('includeKettle', { valueBoolean: true })),
      );
      expect(req.warnings).toHaveLength(2);
      const bundle = build(req, prepared({ decision: decision(ALL_SECTIONS, [disabled]) }));
      const outcome = outcomeOf(bundle)!;
      expect(outcome).toBeDefined();
      expect(outcome.issue).toEqual([...req.warnings, disabled]);
      expect(outcome.issue.map((i) => i.expression?.[0])).toEqual([
        'includeTeapot',
        'includeMedication.includeKettle',
        'includeReferrals',
      ]);
      // The warnings do not stop the areas being answered.
      expect(listCodes(bundle)).toEqual(expect.arrayContaining([LISTS.allergies.code, LISTS.medications.code]));
    });

    it('leaves out an area the GP system could not read, with a warning naming it', () => {
      const record = {
        ...canonicalRecord(),
        unavailableSections: [{ section: 'medications' as const, reason: 'boom' }],
      };
      const bundle = build(request(allergies(false), area('includeMedication')), prepared({ record }));
      expect(listCodes(bundle)).toEqual([LISTS.allergies.code]);
      expect(idsOf(bundle, 'MedicationStatement')).toEqual([]);
      expect(idsOf(bundle, 'Medication')).toEqual([]);
      const issues = outcomeOf(bundle)!.issue;
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ severity: 'warning', expression: ['includeMedication'] });
      expect(spineCode(issues[0]!)).toBe('BAD_GATEWAY');
      expect(issues[0]!.diagnostics).toContain('medications');
    });

    it('does not warn about an unreadable area that was not asked for or is not granted', () => {
      const record = {
        ...canonicalRecord(),
        unavailableSections: [
          { section: 'medications' as const, reason: 'boom' },
          { section: 'referrals' as const, reason: 'boom' },
        ],
      };
      const bundle = build(
        request(allergies(false), area('includeReferrals')),
        prepared({ record, decision: decision(['allergies']) }),
      );
      expect(outcomeOf(bundle)).toBeUndefined();
      expect(listCodes(bundle)).toEqual([LISTS.allergies.code]);
    });

    it('warns with the degraded-codes warning and the count of untranslated items in the answer, not in areas left out', () => {
      const record = canonicalRecord([
        markedDegraded(allergy('allergy-degraded-1', 'active')),
        markedDegraded(allergy('allergy-degraded-2', 'active')),
        allergy('allergy-fine', 'active'),
        markedDegraded(condition('cond-degraded', 'active', 'major')),
      ]);
      const issues = outcomeOf(build(request(allergies(false)), prepared({ record })))!.issue;
      expect(issues).toHaveLength(1);
      expect(issues[0]!.severity).toBe('warning');
      // Nothing the caller sent was invalid: the warning is Lloyd's own, not a Spine error code.
      expect(issues[0]!.details?.coding).toEqual([
        { system: RECORD_WARNING_SYSTEM, code: 'degraded-codes', display: 'Untranslated codes' },
      ]);
      expect(spineCode(issues[0]!)).toBeUndefined();
      expect(issues[0]!.diagnostics).toMatch(/^2 record item/);
      const withProblems = build(request(allergies(false), area('includeProblems')), prepared({ record }));
      expect(outcomeOf(withProblems)!.issue[0]!.diagnostics).toMatch(/^3 record item/);
      expect(outcomeOf(build(request(area('includeImmunisations')), prepared({ record })))).toBeUndefined();
    });

    it('adds the confidential-items warning to the Lists of an area with items withheld, and only those', () => {
      const bundle = build(
        request(allergies(true), area('includeReferrals'), area('includeImmunisations')),
        prepared({ redactions: { allergies: 2, immunisations: 0, other: 4 } }),
      );
      for (const code of [LISTS.allergies.code, LISTS.endedAllergies.code]) {
        const list = listOf(bundle, code);
        expect(list.extension).toEqual([{ url: LIST_WARNING_EXTENSION, valueCode: 'confidential-items' }]);
        expect(list.note).toEqual([{ text: CONFIDENTIAL_TEXT }]);
        expect(list.entry).toHaveLength(2);
      }
      for (const code of [LISTS.referrals.code, LISTS.immunisations.code]) {
        const list = listOf(bundle, code);
        expect(list.extension).toBeUndefined();
        expect(list.note).toBeUndefined();
      }
      expect(LIST_WARNING_EXTENSION).toBe(
        'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-ListWarningCode',
      );
    });

    it('keeps the emptyReason note first on an empty List with items withheld', () => {
      const bundle = build(
        request(area('includeReferrals')),
        prepared({ record: canonicalRecord([]), redactions: { referrals: 1 } }),
      );
      const list = listOf(bundle, LISTS.referrals.code);
      expect(list.emptyReason?.coding?.[0]?.code).toBe('no-content-recorded');
      expect(list.note).toEqual([{ text: 'Information not available' }, { text: CONFIDENTIAL_TEXT }]);
      expect(list.extension).toEqual([{ url: LIST_WARNING_EXTENSION, valueCode: 'confidential-items' }]);
    });

    it('puts the data-in-transit warning on every List while a GP2GP transfer is incomplete', () => {
      const bundle = build(everyArea(), prepared({ redactions: { problems: 1 } }), true);
      const lists = listsOf(bundle);
      expect(lists).toHaveLength(9);
      for (const list of lists) {
        const codes = (list.extension ?? []).filter((e) => e.url === LIST_WARNING_EXTENSION).map((e) => e.valueCode);
        expect(codes).toContain('data-in-transit');
        expect(list.note).toContainEqual({ text: LIST_WARNING_TEXT['data-in-transit'] });
      }
      expect(listOf(bundle, LISTS.problems.code).extension?.map((e) => e.valueCode)).toEqual([
        'confidential-items',
        'data-in-transit',
      ]);
      expect(
        build(everyArea()).entry?.some((e) => e.resource?.resourceType === 'List' && 'extension' in e.resource),
      ).toBe(false);
    });
  });

  describe('a held (frozen) record', () => {
    it('answers each request with its own filters, like an unfrozen record', () => {
      const frozen = deepFreeze(canonicalRecord());
      const requests = [
        request(area('includeConsultations', part('includeNumberOfMostRecent', { valueInteger: 2 }))),
        request(area('includeConsultations')),
        request(area('includeMedication', part('medicationSearchFromDate', { valueDate: '2020-01-15' }))),
        everyArea(),
      ];
      for (const req of requests) {
        expect(keysOf(build(req, prepared({ record: frozen })))).toEqual(keysOf(build(req)));
      }
      expect(Object.isFrozen(frozen.resources)).toBe(true);
    });
  });

  describe('secondary lists (what problems link to and consultations contain)', () => {
    // GP Connect's secondary list codes, written out here rather than imported.
    const SECONDARY = 'https://fhir.hl7.org.uk/STU3/CodeSystem/GPConnect-SecondaryListValues-1';
    const related = (...refs: string[]) =>
      refs.map((reference) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference: { reference } }));
    const linkedTo = <T extends Resource>(resource: T, extra: Partial<T>): T => ({ ...resource, ...extra });

    /** The small record, with links: two problems linking to items of every area, and items filed in enc-2022. */
    function linkedResources(): Resource[] {
      const byId = new Map(clinicalResources().map((r) => [r.id, r]));
      const take = <T extends Resource>(id: string) => byId.get(id) as T;
      const majorProblem = take<fhir4.Condition>('cond-active-major');
      const minorProblem = take<fhir4.Condition>('cond-active-minor');
      const changed: Resource[] = [
        linkedTo(majorProblem, {
          extension: [
            ...(majorProblem.extension ?? []),
            ...related(
              'MedicationRequest/plan-1',
              'Observation/obs-r1',
              'Encounter/enc-2021',
              'DocumentReference/doc-1',
              'Condition/cond-inactive-major',
              'AllergyIntolerance/al-resolved',
            ),
          ],
        }),
        linkedTo(minorProblem, {
          encounter: ref('Encounter', 'enc-2022'),
          extension: [...(minorProblem.extension ?? []), ...related('Immunization/imm-given')],
        }),
        linkedTo(take<fhir4.MedicationStatement>('ms-recent'), { context: ref('Encounter', 'enc-2022') }),
        linkedTo(take<fhir4.Observation>('obs-bp'), { encounter: ref('Encounter', 'enc-2022') }),
        linkedTo(take<fhir4.ServiceRequest>('sr-2023'), { encounter: ref('Encounter', 'enc-2022') }),
        {
          resourceType: 'DocumentReference',
          id: 'doc-1',
          status: 'current',
          subject,
          content: [{ attachment: { title: 'Clinic letter' } }],
          context: { encounter: [ref('Encounter', 'enc-2022')] },
        } as fhir4.DocumentReference,
      ];
      const replaced = new Map(changed.map((r) => [r.id, r]));
      return [...clinicalResources().map((r) => replaced.get(r.id) ?? r), ...changed.filter((r) => !byId.has(r.id))];
    }

    /**
     * Two confidential items were withheld, both linked to the major problem: a note filed in enc-2022, and a
     * problem. (The record reader has taken the links out of the problem, as it does; `problems` keeps them.)
     */
    const withheld = [
      {
        reference: 'Observation/obs-secret',
        section: 'uncategorised' as const,
        encounters: ['Encounter/enc-2022'],
        problems: ['Condition/cond-active-major'],
      },
      {
        reference: 'Condition/cond-secret',
        section: 'problems' as const,
        encounters: [],
        problems: ['Condition/cond-active-major'],
      },
    ];
    const linked = (overrides: Partial<PreparedRecord> = {}) =>
      prepared({ record: canonicalRecord(linkedResources()), withheld, ...overrides });
    const secondaryCodes = (bundle: Bundle) =>
      listsOf(bundle)
        .map((l) => l.code?.coding?.[0])
        .filter((c) => c?.system === SECONDARY)
        .map((c) => c?.code);
    const warningsOn = (list: fhir4.List) =>
      (list.extension ?? []).filter((e) => e.url === LIST_WARNING_EXTENSION).map((e) => e.valueCode);

    it('gives every secondary list its own urn:uuid fullUrl', () => {
      const bundle = build(everyArea(), linked());
      const lists = (bundle.entry ?? []).filter((e) => e.resource!.resourceType === 'List');
      expect(secondaryCodes(bundle).length).toBeGreaterThan(5);
      for (const { fullUrl, resource } of lists) expect(fullUrl).toBe(`urn:uuid:${resource!.id}`);
      expect(new Set(lists.map((e) => e.fullUrl)).size).toBe(lists.length);
    });

    it('returns what the problems link to, one list per area, with what those items need beside them', () => {
      const bundle = build(request(area('includeProblems')), linked());
      expect(secondaryCodes(bundle)).toEqual([
        'problems-allergies-that-have-been-ended-related-to-problems',
        'problems-consultations-related-to-problems',
        'problems-documents-related-to-problems',
        'problems-immunisations-related-to-problems',
        'problems-investigations-related-to-problems',
        'problems-medications-related-to-problems',
        'problems-uncategorised-data-related-to-problems',
        'problems-linked-problems-not-relating-to-the-primary-query',
      ]);
      const list = (code: string) => entriesOf(listOf(bundle, code));
      expect(list('problems-allergies-that-have-been-ended-related-to-problems')).toEqual([
        'AllergyIntolerance/al-resolved',
      ]);
      expect(list('problems-consultations-related-to-problems')).toEqual(['Encounter/enc-2021']);
      expect(list('problems-documents-related-to-problems')).toEqual(['DocumentReference/doc-1']);
      expect(list('problems-immunisations-related-to-problems')).toEqual(['Immunization/imm-given']);
      // A result is listed by its report; an authorisation by its statement.
      expect(list('problems-investigations-related-to-problems')).toEqual(['DiagnosticReport/rep-2019']);
      expect(list('problems-medications-related-to-problems')).toEqual(['MedicationStatement/ms-active']);
      const secondary = listOf(bundle, 'problems-medications-related-to-problems');
      expect(secondary.title).toBe('Problems - medications related to problems');
      expect(secondary.code?.coding?.[0]?.display).toBe('Problems - medications related to problems');
      expect(secondary.status).toBe('current');
      expect(secondary.mode).toBe('snapshot');
      // The linked items and what they need are in the Bundle.
      for (const key of [
        'DocumentReference/doc-1',
        'DiagnosticReport/rep-2019',
        'Observation/obs-r1',
        'Observation/obs-comment',
        'Specimen/spec-1',
        'MedicationStatement/ms-active',
        'MedicationRequest/plan-1',
        'MedicationRequest/issue-1',
        'Medication/med-a',
        'Medication/med-d',
        'Encounter/enc-2021',
        'Immunization/imm-given',
      ])
        expect(keysOf(bundle)).toContain(key);
      // Nothing linked to no problem is added.
      expect(keysOf(bundle)).not.toContain('MedicationStatement/ms-recent');
      expect(keysOf(bundle)).not.toContain('Encounter/enc-2022');
    });

    it('marks a list whose linked item was withheld as confidential, even when that leaves it empty', () => {
      const bundle = build(request(area('includeProblems')), linked());
      const uncategorised = listOf(bundle, 'problems-uncategorised-data-related-to-problems');
      expect(uncategorised.entry ?? []).toEqual([]);
      expect(uncategorised.emptyReason?.coding?.[0]?.code).toBe('no-content-recorded');
      expect(warningsOn(uncategorised)).toEqual(['confidential-items']);
      expect(uncategorised.note).toContainEqual({ text: CONFIDENTIAL_TEXT });
      // The withheld problem: the linked-problems list carries the warning, and nothing else names it.
      expect(warningsOn(listOf(bundle, 'problems-linked-problems-not-relating-to-the-primary-query'))).toEqual([
        'confidential-items',
      ]);
      expect(keysOf(bundle)).not.toContain('Observation/obs-secret');
      expect(referencesIn(bundle).filter((r) => r.includes('secret'))).toEqual([]);
      expect(warningsOn(listOf(bundle, 'problems-medications-related-to-problems'))).toEqual([]);
    });

    it('gives no problem list a warning for a withheld item linked only from a problem outside the query', () => {
      const bundle = build(
        request(area('includeProblems', part('filterStatus', { valueCode: 'active' }))),
        linked({ withheld: withheld.map((w) => ({ ...w, problems: ['Condition/cond-inactive-major'] })) }),
      );
      expect(
        listsOf(bundle)
          .filter((l) => l.code?.coding?.[0]?.system === SECONDARY)
          .flatMap(warningsOn),
      ).toEqual([]);
    });

    it('puts linked problems the primary query left out in their own list', () => {
      const bundle = build(
        request(area('includeProblems', part('filterStatus', { valueCode: 'active' }))),
        linked({ withheld: [] }),
      );
      expect(entriesOf(listOf(bundle, 'problems-linked-problems-not-relating-to-the-primary-query'))).toEqual([
        'Condition/cond-inactive-major',
      ]);
      expect(entriesOf(listOf(bundle, LISTS.problems.code))).toEqual(
        refsTo('Condition', 'cond-active-major', 'cond-active-minor'),
      );
      // Without a filter that problem is in the primary list, and so in no secondary one.
      const unfiltered = build(request(area('includeProblems')), linked({ withheld: [] }));
      expect(secondaryCodes(unfiltered)).not.toContain('problems-linked-problems-not-relating-to-the-primary-query');
    });

    it('returns what the consultations contain, one list per area, with a warning where an item was withheld', () => {
      const bundle = build(
        request(area('includeConsultations', part('includeNumberOfMostRecent', { valueInteger: 1 }))),
        linked(),
      );
      expect(secondaryCodes(bundle)).toEqual([
        'consultations-documents-contained-in-consultations',
        'consultations-medications-contained-in-consultations',
        'consultations-outbound-referrals-in-consultations',
        'consultations-problems-contained-in-consultations',
        'consultations-uncategorised-data-contained-in-consultations',
      ]);
      const list = (code: string) => entriesOf(listOf(bundle, code));
      expect(list('consultations-documents-contained-in-consultations')).toEqual(['DocumentReference/doc-1']);
      expect(list('consultations-medications-contained-in-consultations')).toEqual(['MedicationStatement/ms-recent']);
      expect(list('consultations-outbound-referrals-in-consultations')).toEqual(['ServiceRequest/sr-2023']);
      expect(list('consultations-problems-contained-in-consultations')).toEqual(['Condition/cond-active-minor']);
      expect(list('consultations-uncategorised-data-contained-in-consultations')).toEqual(['Observation/obs-bp']);
      expect(listOf(bundle, 'consultations-outbound-referrals-in-consultations').title).toBe(
        'Consultations - outbound referrals in consultations',
      );
      expect(warningsOn(listOf(bundle, 'consultations-uncategorised-data-contained-in-consultations'))).toEqual([
        'confidential-items',
      ]);
      expect(warningsOn(listOf(bundle, 'consultations-documents-contained-in-consultations'))).toEqual([]);
      expect(keysOf(bundle)).toEqual(expect.arrayContaining(['MedicationRequest/plan-3', 'Medication/med-c']));
      // Items of other consultations are not returned.
      expect(keysOf(bundle)).not.toContain('MedicationStatement/ms-active');
    });

    it('leaves out linked items of areas the caller may not see, and does not list them', () => {
      const bundle = build(
        request(area('includeProblems')),
        linked({ decision: decision(['problems'], [], ['medications']), withheld: [] }),
      );
      expect(secondaryCodes(bundle)).toEqual(['problems-medications-related-to-problems']);
      for (const type of ['DocumentReference', 'DiagnosticReport', 'Encounter', 'Immunization', 'AllergyIntolerance'])
        expect(idsOf(bundle, type)).toEqual([]);
    });

    it('returns problems linked to any primary item, for a query without problems, when problems may be seen', () => {
      const query = request(area('includeMedication'));
      const seen = build(query, linked({ decision: decision(['medications'], [], ['problems']), withheld: [] }));
      expect(secondaryCodes(seen)).toEqual(['problems-linked-problems-not-relating-to-the-primary-query']);
      // cond-active-major links to plan-1, the authorisation of a listed statement.
      expect(entriesOf(listOf(seen, 'problems-linked-problems-not-relating-to-the-primary-query'))).toEqual([
        'Condition/cond-active-major',
      ]);
      const unseen = build(query, linked({ decision: decision(['medications']), withheld: [] }));
      expect(secondaryCodes(unseen)).toEqual([]);
      expect(idsOf(unseen, 'Condition')).toEqual([]);
    });

    it('has no secondary lists for a record without links, and none empty without a warning', () => {
      expect(secondaryCodes(build(everyArea()))).toEqual([]);
      const emptySecondary = listsOf(build(everyArea(), linked({ withheld: [] }))).filter(
        (l) => !l.entry?.length && l.code?.coding?.[0]?.system !== SNOMED_SYSTEM,
      );
      expect(emptySecondary).toEqual([]);
    });

    it('warns when a linked area could not be read, naming it, where problems or consultations were asked for', () => {
      const record = {
        ...canonicalRecord(linkedResources()),
        unavailableSections: [{ section: 'documents' as const, reason: 'timeout' }],
      };
      const diagnostics = (bundle: Bundle) => outcomeOf(bundle)?.issue.map((i) => i.diagnostics) ?? [];
      const seen = decision(['problems', 'immunisations'], [], ['documents']);
      const withProblems = build(request(area('includeProblems')), linked({ record, withheld: [], decision: seen }));
      expect(diagnostics(withProblems)).toEqual([expect.stringContaining('The documents area could not be read')]);
      expect(outcomeOf(withProblems)?.issue[0]).toMatchObject({
        severity: 'warning',
        code: 'incomplete',
        expression: ['documents'],
        diagnostics: expect.stringContaining('may be missing') as string,
      });
      // No secondary lists, nothing missing from them: no warning.
      expect(
        diagnostics(build(request(area('includeImmunisations')), linked({ record, withheld: [], decision: seen }))),
      ).toEqual([]);
    });

    it('carries data-in-transit on every secondary list', () => {
      const bundle = build(request(area('includeProblems')), linked(), true);
      const secondary = listsOf(bundle).filter((l) => l.code?.coding?.[0]?.system === SECONDARY);
      expect(secondary.length).toBeGreaterThan(0);
      for (const list of secondary) expect(warningsOn(list)).toContain('data-in-transit');
    });

    it('orders every List as it says, by event date, most recent first and undated last', () => {
      const bundle = build(everyArea(), linked());
      const byKey = new Map(resourcesOf(bundle).map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
      const lists = listsOf(bundle).filter((l) => (l.entry ?? []).length > 1);
      expect(lists.length).toBeGreaterThan(0);
      for (const list of lists) {
        expect(list.orderedBy?.coding?.[0]?.code).toBe('event-date');
        const dates = (list.entry ?? []).map((e) => eventDate(byKey.get(e.item.reference ?? '')!));
        const dated = dates.filter((d): d is string => d !== undefined);
        expect({ list: list.title, dated }).toEqual({ list: list.title, dated: [...dated].sort().reverse() });
        expect(dates.slice(dated.length).every((d) => d === undefined)).toBe(true);
      }
    });

    it('returns each resource once, and every reference in the Bundle resolves within it when every area is asked for', () => {
      const bundle = build(everyArea(), linked());
      const keys = keysOf(bundle);
      expect(new Set(keys).size).toBe(keys.length);
      const held = new Set(keys);
      const dangling = resourcesOf(bundle).flatMap((r) =>
        referencesIn(r)
          .filter((reference) => !held.has(reference))
          .map((reference) => `${r.resourceType}/${r.id ?? ''} -> ${reference}`),
      );
      // The small record's report names a result it does not hold; nothing else may dangle (withheld items are named
      // by nothing, see redactConfidential).
      expect(dangling.sort()).toEqual(['DiagnosticReport/rep-2021 -> Observation/obs-missing']);
    });

    it('is the same for a held (frozen) record', () => {
      const frozen = linked({ record: deepFreeze(canonicalRecord(linkedResources())) });
      for (const req of [request(area('includeProblems')), everyArea()])
        expect(keysOf(build(req, frozen))).toEqual(keysOf(build(req, linked())));
    });
  });
});

describe('linkedSectionsFor', () => {
  it('asks for every area beside problems or consultations, problems beside anything else, nothing for no area', () => {
    expect(linkedSectionsFor(['problems'])).toEqual([...recordSections]);
    expect(linkedSectionsFor(['allergies', 'consultations'])).toEqual([...recordSections]);
    expect(linkedSectionsFor(['medications'])).toEqual(['problems']);
    expect(linkedSectionsFor([])).toEqual([]);
  });
});
