import { CATALOGUE, concept } from './catalogue.js';
import { documentContent } from './documents.js';
import { DEFAULT_AS_OF, DEMO_PATIENTS, generateDemoPatients, generatePatients, SyntheticDataset } from './generate.js';
import type { ClinicalRecord, SyntheticPatient } from './model.js';
import { isValidNhsNumber, nhsCheckDigit } from './nhs-number.js';

const SEED = 20240607;
const SMALL_LARGE = { consultations: 40, attachments: 3, attachmentBytes: 200_000 };

function byNhs(patients: readonly SyntheticPatient[], nhsNumber: string): SyntheticPatient {
  const found = patients.find((p) => p.demographics.nhsNumber === nhsNumber);
  if (!found) throw new Error(`demo patient ${nhsNumber} missing`);
  return found;
}

function allItems(record: ClinicalRecord) {
  return [
    ...record.allergies,
    ...record.medications,
    ...record.problems,
    ...record.observations,
    ...record.immunisations,
    ...record.testResults,
    ...record.referrals,
    ...record.documents,
  ];
}

function itemCount(record: ClinicalRecord): number {
  return allItems(record).length + record.consultations.length;
}

/** SNOMED CT identifiers end in a Verhoeff check digit: a mistyped code fails this. */
function verhoeffValid(id: string): boolean {
  const d = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  ];
  const p = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
  ];
  let c = 0;
  [...id].reverse().forEach((ch, i) => {
    c = d[c]![p[i % 8]![Number(ch)]!]!;
  });
  return c === 0;
}

describe('catalogue', () => {
  it('gives every national concept a 5-character Read v2 code and a real-looking SNOMED CT id', () => {
    for (const c of CATALOGUE.values()) {
      if (c.localOnly) continue;
      expect(c.readV2.code).toMatch(/^[A-Za-z0-9.]{5}$/);
      expect(c.readV2.local).toBeUndefined();
      expect(c.snomed?.code).toMatch(/^\d{6,18}$/);
      expect(verhoeffValid(c.snomed?.code ?? '')).toBe(true);
    }
  });

  it('gives every national concept a CTV3 code: its CTV3-only code, or its Read v2 code, which CTV3 includes', () => {
    const national = [...CATALOGUE.values()].filter((c) => !c.localOnly);
    for (const c of national) {
      expect(c.ctv3.local).toBeUndefined();
      expect(c.ctv3.code).toMatch(/^[A-Za-z0-9.]{5}$/);
    }
    expect(concept('asthma').ctv3).toEqual({ code: 'H33..', term: 'Asthma' });
    expect(concept('gout').ctv3).toEqual({ code: 'C34..', term: 'Gout' });
    expect(concept('serum-creatinine').ctv3).toEqual({ code: 'XE2q5', term: 'Serum creatinine level' });
    expect(concept('aspirin-allergy').ctv3).toEqual({ code: 'Xa5dq', term: 'Aspirin allergy' });
  });

  it('has local-only concepts with no mapping at all', () => {
    const local = [...CATALOGUE.values()].filter((c) => c.localOnly);
    expect(local.length).toBeGreaterThanOrEqual(2);
    for (const c of local) {
      expect(c.snomed).toBeNull();
      expect(c.readV2.local).toBe(true);
    }
  });

  it('throws on an unknown concept key', () => {
    expect(() => concept('no-such-concept')).toThrow(/Unknown catalogue concept/);
  });
});

describe('NHS numbers', () => {
  it('accepts the demo numbers and rejects a wrong check digit', () => {
    for (const { nhsNumber } of DEMO_PATIENTS) expect(isValidNhsNumber(nhsNumber)).toBe(true);
    expect(isValidNhsNumber('9990000019')).toBe(false);
    expect(isValidNhsNumber('999000001')).toBe(false);
  });

  it('reports nine digits that have no valid check digit', () => {
    // Some nine-digit prefixes give a check value of 10: no NHS number is ever issued with them.
    const none = Array.from({ length: 1000 }, (_, i) => String(999_000_000 + i)).find(
      (nine) => nhsCheckDigit(nine) === null,
    );
    expect(none).toBeDefined();
  });
});

describe('generator determinism', () => {
  it('produces deep-equal records for the same seed', () => {
    const a = generateDemoPatients({ seed: SEED, largeRecord: SMALL_LARGE });
    const b = generateDemoPatients({ seed: SEED, largeRecord: SMALL_LARGE });
    expect(a).toEqual(b);
    expect(generatePatients(SEED, 25, 'P10001')).toEqual(generatePatients(SEED, 25, 'P10001'));
  });

  it('produces different records for a different seed', () => {
    const a = generateDemoPatients({ seed: SEED, largeRecord: SMALL_LARGE });
    const b = generateDemoPatients({ seed: SEED + 1, largeRecord: SMALL_LARGE });
    expect(a.map((p) => p.demographics.nhsNumber)).toEqual(b.map((p) => p.demographics.nhsNumber));
    expect(a).not.toEqual(b);
    expect(a.map((p) => p.sourceId)).not.toEqual(b.map((p) => p.sourceId));
    expect(generatePatients(SEED, 5, 'P10001')).not.toEqual(generatePatients(SEED + 1, 5, 'P10001'));
  });

  it('keeps earlier synthetic patients unchanged when more are generated', () => {
    const few = generatePatients(SEED, 5, 'P20002');
    const many = generatePatients(SEED, 12, 'P20002');
    expect(many.slice(0, 5)).toEqual(few);
  });
});

describe('synthetic patients', () => {
  it('have valid, unique NHS numbers from the reserved range, registered where asked', () => {
    const patients = generatePatients(SEED, 300, 'P10001');
    expect(patients).toHaveLength(300);
    const numbers = patients.map((p) => p.demographics.nhsNumber);
    expect(new Set(numbers).size).toBe(300);
    for (const n of numbers) {
      expect(isValidNhsNumber(n)).toBe(true);
      expect(n.startsWith('999')).toBe(true);
      expect(Number(n.slice(0, 9))).toBeGreaterThanOrEqual(999_100_000);
    }
    expect(patients.every((p) => p.demographics.registeredPracticeOds === 'P10001')).toBe(true);
  });

  it('do not collide between practices', () => {
    const a = new Set(generatePatients(SEED, 200, 'P10001').map((p) => p.demographics.nhsNumber));
    const b = generatePatients(SEED, 200, 'P40004').map((p) => p.demographics.nhsNumber);
    expect(b.filter((n) => a.has(n))).toEqual([]);
  });

  it('rejects an unknown practice with a message naming the known ones', () => {
    expect(() => generatePatients(SEED, 1, 'X99999')).toThrow(/P10001, P20002, P30003, P40004/);
  });
});

describe('demo patients', () => {
  const patients = generateDemoPatients({ seed: SEED, largeRecord: SMALL_LARGE });

  it('are the ten patients of CONTRACT.md at their practices', () => {
    expect(patients.map((p) => [p.demographics.nhsNumber, p.demographics.registeredPracticeOds])).toEqual([
      ['9990000018', 'P10001'],
      ['9990000026', 'P20002'],
      ['9990000034', 'P30003'],
      ['9990000042', 'P40004'],
      ['9990000050', 'P10001'],
      ['9990000069', 'P20002'],
      ['9990000077', 'P10001'],
      ['9990000085', 'P20002'],
      ['9990000093', 'P30003'],
      ['9990000107', 'P10001'],
    ]);
  });

  it.each(['9990000018', '9990000026', '9990000034', '9990000042'])('%s has a full record', (nhsNumber) => {
    const { record } = byNhs(patients, nhsNumber);
    expect(record.allergies.some((a) => a.status === 'resolved' && a.endDate)).toBe(true);
    expect(record.allergies.some((a) => a.category === 'drug' && a.status === 'active')).toBe(true);
    expect(record.allergies.some((a) => a.category === 'non-drug' && a.status === 'active')).toBe(true);
    const repeat = record.medications.find((m) => m.type === 'repeat');
    const acute = record.medications.find((m) => m.type === 'acute');
    expect(repeat?.issues.length).toBeGreaterThan(1);
    expect(acute?.issues).toHaveLength(1);
    expect(repeat?.dosage).toBeTruthy();
    expect(repeat?.issues[0]?.quantity.value).toBeGreaterThan(0);
    expect(record.problems.some((p) => p.status === 'active')).toBe(true);
    expect(record.problems.some((p) => p.status === 'inactive' && p.endDate)).toBe(true);
    expect(record.problems.some((p) => p.linkedItemIds.length > 0 && p.consultationIds.length > 0)).toBe(true);
    expect(record.consultations.length).toBeGreaterThanOrEqual(5);
    expect(record.immunisations.some((i) => i.given)).toBe(true);
    expect(record.immunisations.some((i) => !i.given && i.notGivenReason)).toBe(true);
    const fbc = record.testResults.find((t) => t.concept === 'full-blood-count');
    expect(fbc?.results.length).toBeGreaterThanOrEqual(5);
    for (const result of fbc?.results ?? []) {
      expect(typeof result.value.value).toBe('number');
      expect(result.value.unit).toBeTruthy();
      expect(result.referenceRange.low).toBeLessThan(result.referenceRange.high);
    }
    expect(fbc?.results.some((r) => r.interpretation !== 'normal')).toBe(true);
    expect(record.referrals[0]?.specialty).toBeTruthy();
    expect(record.referrals[0]?.priority).toBe('routine');
    expect(record.documents[0]?.contentType).toBe('text/plain');
    expect(record.documents[0]?.size).toBeGreaterThan(0);
  });

  it('has partial dates (year or month only) as real records do', () => {
    const dates = allItems(byNhs(patients, '9990000018').record).map((i) => i.date);
    expect(dates.some((d) => /^\d{4}$/.test(d))).toBe(true);
    expect(dates.some((d) => /^\d{4}-\d{2}$/.test(d))).toBe(true);
    expect(dates.every((d) => /^\d{4}(-\d{2}(-\d{2})?)?$/.test(d))).toBe(true);
  });

  it('links consultations, problems and items only to items of the same record', () => {
    for (const patient of patients) {
      const ids = new Set(allItems(patient.record).map((i) => i.id));
      const consultations = new Set(patient.record.consultations.map((c) => c.id));
      for (const c of patient.record.consultations) for (const id of c.itemIds) expect(ids.has(id)).toBe(true);
      for (const p of patient.record.problems) {
        for (const id of p.linkedItemIds) expect(ids.has(id)).toBe(true);
        for (const id of p.consultationIds) expect(consultations.has(id)).toBe(true);
      }
      const items = allItems(patient.record);
      expect(items.filter((i) => i.consultationId !== undefined && !consultations.has(i.consultationId))).toEqual([]);
      expect(items.filter((i) => !CATALOGUE.has(i.concept))).toEqual([]);
    }
  });

  it('9990000050 has dissented; no one else has', () => {
    expect(patients.filter((p) => p.consent.dissent).map((p) => p.demographics.nhsNumber)).toEqual(['9990000050']);
  });

  it('9990000069 has confidential items among ordinary ones', () => {
    const { record } = byNhs(patients, '9990000069');
    const items = allItems(record);
    expect(items.some((i) => i.confidential)).toBe(true);
    expect(items.filter((i) => !i.confidential).length).toBeGreaterThan(items.filter((i) => i.confidential).length);
    expect(record.consultations.some((c) => c.confidential)).toBe(true);
    const others = patients.filter((p) => p.demographics.nhsNumber !== '9990000069');
    expect(others.flatMap((p) => allItems(p.record)).some((i) => i.confidential)).toBe(false);
  });

  it('9990000077 is deceased and no longer registered', () => {
    const { demographics } = byNhs(patients, '9990000077');
    expect(demographics.deceasedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(demographics.deceasedDate! < DEFAULT_AS_OF).toBe(true);
    expect(demographics.registration.status).toBe('inactive');
    const record = byNhs(patients, '9990000077').record;
    expect(allItems(record).every((i) => i.date <= demographics.deceasedDate!)).toBe(true);
  });

  it('9990000085 carries the S-flag; no one else does', () => {
    expect(patients.filter((p) => p.demographics.sensitive).map((p) => p.demographics.nhsNumber)).toEqual([
      '9990000085',
    ]);
  });

  it('9990000093 has a small record', () => {
    const small = itemCount(byNhs(patients, '9990000093').record);
    expect(small).toBeGreaterThan(0);
    expect(small * 3).toBeLessThan(itemCount(byNhs(patients, '9990000018').record));
  });

  it("P30003's patients carry local codes that cannot be translated; other practices' do not", () => {
    const localKeys = (p: SyntheticPatient) => allItems(p.record).filter((i) => concept(i.concept).localOnly);
    expect(localKeys(byNhs(patients, '9990000034')).length).toBeGreaterThanOrEqual(2);
    expect(localKeys(byNhs(patients, '9990000093')).length).toBeGreaterThanOrEqual(1);
    for (const nhs of ['9990000018', '9990000026', '9990000042', '9990000107'])
      expect(localKeys(byNhs(patients, nhs))).toEqual([]);
  });

  it('9990000107 is large, sized by the options', () => {
    const { record } = byNhs(patients, '9990000107');
    expect(record.consultations.length).toBeGreaterThanOrEqual(SMALL_LARGE.consultations);
    const attachments = record.documents.filter((d) => d.size === SMALL_LARGE.attachmentBytes);
    expect(attachments).toHaveLength(SMALL_LARGE.attachments);
  });

  it('9990000107 defaults to a few MB of attachments', () => {
    const { record } = byNhs(generateDemoPatients({ seed: SEED }), '9990000107');
    const bytes = record.documents.reduce((sum, d) => sum + d.size, 0);
    expect(bytes).toBeGreaterThan(5_000_000);
  });

  it('gives every item in the dataset a unique id', () => {
    const ids = patients.flatMap((p) => [
      ...allItems(p.record).map((i) => i.id),
      ...p.record.consultations.map((c) => c.id),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('SyntheticDataset', () => {
  const dataset = new SyntheticDataset({ seed: SEED, extraPatients: 3, largeRecord: SMALL_LARGE });

  it('holds the demo patients plus the extra patients of every practice', () => {
    expect(dataset.patients).toHaveLength(10 + 4 * 3);
    expect(dataset.patientsOf('P10001')).toHaveLength(4 + 3);
  });

  it('finds a patient only at its own practice', () => {
    expect(dataset.findPatient('P10001', '9990000018')?.demographics.nhsNumber).toBe('9990000018');
    expect(dataset.findPatient('P20002', '9990000018')).toBeUndefined();
    expect(dataset.findPatient('P10001', '9990000019')).toBeUndefined();
  });

  it('serves document content of exactly the recorded size, the same every time', () => {
    const patient = dataset.findPatient('P10001', '9990000018')!;
    const doc = patient.record.documents[0]!;
    const found = dataset.findDocument('P10001', doc.id);
    expect(found?.document).toBe(doc);
    expect(dataset.findDocument('P20002', doc.id)).toBeUndefined();
    const content = documentContent(doc, patient);
    expect(content.length).toBe(doc.size);
    expect(content.equals(documentContent(doc, patient))).toBe(true);
    expect(content.toString('utf8')).toContain(doc.title);
  });
});
