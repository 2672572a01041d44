import fc from 'fast-check';
import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { parseEhrExtract } from '../extract/parse-ehr-extract.js';
import { arbitraryCanonicalRecord, recordWithEveryKind } from '../testing/arbitrary-record.js';
import { roundTripDifferences } from '../testing/compare-records.js';
import { FIXTURE_EXTRACT } from '../testing/fixture-extract.js';
import { describeWithSchemas, expectSchemaValid } from '@lloyd/test-support';
import { buildEhrExtract, streamEhrExtract } from './build-ehr-extract.js';
import { TEST_BUILD_OPTIONS } from '../testing/build-options.js';

const OPTIONS = TEST_BUILD_OPTIONS;

function everyKindRecord(confidential: boolean): CanonicalRecord {
  return recordWithEveryKind({ confidential });
}

function types(record: CanonicalRecord): string[] {
  return [...new Set(record.resources.map((r) => r.resourceType))].sort();
}

describeWithSchemas('buildEhrExtract (validated with xmllint against the GP2GP schemas)', (validate) => {
  it('builds an RCMR_IN030000UK06 that validates, from a record with every resource type', async () => {
    const record = everyKindRecord(false);
    expect(types(record)).toEqual([
      'AllergyIntolerance',
      'Condition',
      'DiagnosticReport',
      'DocumentReference',
      'Encounter',
      'Immunization',
      'Medication',
      'MedicationRequest',
      'MedicationStatement',
      'Observation',
      'ServiceRequest',
      'Specimen',
    ]);
    const xml = buildEhrExtract(record, OPTIONS);
    expect(xml).toContain('<RCMR_IN030000UK06 ');
    expect(xml).not.toContain('confidentialityCode');
    await expectSchemaValid(validate, xml, 'RCMR_IN030000UK06');
    const back = await parseEhrExtract(xml);
    expect(roundTripDifferences(record, back.record)).toEqual([]);
  });

  it('sends confidential items as RCMR_IN030000UK07 with NOPAT, and refuses to drop the marker into UK06', async () => {
    const record = everyKindRecord(true);
    expect(record.resources.some((r) => hasConfidentialityLabel(r))).toBe(true);
    const xml = buildEhrExtract(record, OPTIONS);
    expect(xml).toContain('<RCMR_IN030000UK07 ');
    expect(xml).toContain('<confidentialityCode code="NOPAT"');
    await expectSchemaValid(validate, xml, 'RCMR_IN030000UK07');
    const back = await parseEhrExtract(xml);
    const confidential = (rec: CanonicalRecord): string[] =>
      rec.resources
        .filter((r) => hasConfidentialityLabel(r) && r.resourceType !== 'Medication')
        .map((r) => `${r.resourceType}/${r.id}`);
    expect(confidential(back.record)).toEqual(expect.arrayContaining(confidential(record)));
    expect(() => buildEhrExtract(record, { ...OPTIONS, interaction: 'RCMR_IN030000UK06' })).toThrow(/UK07/);
  });

  it('degrades items without a SNOMED coding: degraded code, original text, original code as translation', async () => {
    const record = everyKindRecord(false);
    const observations = record.resources.filter((r): r is fhir4.Observation => r.resourceType === 'Observation');
    const readOnly = observations.find(
      (o) => (o.code.coding ?? []).length > 0 && (o.code.coding ?? []).every((c) => c.system === CODE_SYSTEMS.readv2),
    )!;
    const xml = buildEhrExtract(record, OPTIONS);
    expect(xml).toMatch(
      new RegExp(
        `<code code="196411000000103"[^>]*>\\s*<originalText>${readOnly.code.text}</originalText>\\s*<translation code="${readOnly.code.coding![0]!.code!.replace('.', '\\.')}"`,
      ),
    );
    const back = await parseEhrExtract(xml);
    const again = back.record.resources.find((r) => r.id === readOnly.id) as fhir4.Observation;
    expect(again.code.coding).toEqual(readOnly.code.coding);
    expect(again.code.extension?.[0]?.valueBoolean).toBe(true);
  });

  it('validates for an empty record and for a consultation without entries, and keeps the consultation', async () => {
    const base = everyKindRecord(false);
    const empty: CanonicalRecord = { ...base, resources: [] };
    await expectSchemaValid(validate, buildEhrExtract(empty, OPTIONS), 'RCMR_IN030000UK06');
    expect((await parseEhrExtract(buildEhrExtract(empty, OPTIONS))).record.resources).toEqual([]);
    const encounter = base.resources.find((r) => r.resourceType === 'Encounter')!;
    const onlyEncounter: CanonicalRecord = { ...base, resources: [encounter] };
    const xml = buildEhrExtract(onlyEncounter, OPTIONS);
    await expectSchemaValid(validate, xml, 'RCMR_IN030000UK06');
    expect((await parseEhrExtract(xml)).record.resources.map((r) => r.id)).toEqual([encounter.id]);
  });

  it('re-sends a parsed extract (the fixture) so that it validates and parses back to the same items', async () => {
    const first = await parseEhrExtract(FIXTURE_EXTRACT);
    const xml = buildEhrExtract(first.record, { ...OPTIONS, toOds: 'B67890' });
    await expectSchemaValid(validate, xml, 'RCMR_IN030000UK07');
    const second = await parseEhrExtract(xml);
    expect(roundTripDifferences(first.record, second.record)).toEqual([]);
  });

  it('builds schema-valid extracts for generated records (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryCanonicalRecord(), async (record) => {
        const xml = buildEhrExtract(record, OPTIONS);
        const interaction = xml.includes('<RCMR_IN030000UK07 ') ? 'RCMR_IN030000UK07' : 'RCMR_IN030000UK06';
        await expectSchemaValid(validate, xml, interaction);
      }),
      { numRuns: 25, seed: 20240501 },
    );
  });
});

describe('buildEhrExtract', () => {
  const record = everyKindRecord(false);

  it('keeps every clinical item through canonical → extract → canonical (property)', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryCanonicalRecord(), async (generated) => {
        const back = await parseEhrExtract(buildEhrExtract(generated, OPTIONS));
        expect(roundTripDifferences(generated, back.record)).toEqual([]);
      }),
      { numRuns: 100, seed: 20240502 },
    );
  });

  it('keeps every item of the record with every kind, confidential or not', async () => {
    for (const confidential of [false, true]) {
      const original = everyKindRecord(confidential);
      const back = await parseEhrExtract(buildEhrExtract(original, OPTIONS));
      expect(roundTripDifferences(original, back.record)).toEqual([]);
    }
  });

  it('reads each drug once, however many statements of the extract name it, and every item points at it', async () => {
    const original = everyKindRecord(false);
    const back = (await parseEhrExtract(buildEhrExtract(original, OPTIONS))).record;
    const medications = back.resources.filter((r): r is fhir4.Medication => r.resourceType === 'Medication');
    const drugs = medications.map((m) => JSON.stringify(m.code));
    expect(new Set(drugs).size).toBe(drugs.length);
    expect(medications.length).toBeLessThan(original.resources.filter((r) => r.resourceType === 'Medication').length);
    const ids = new Set(medications.map((m) => `Medication/${m.id!}`));
    const named = back.resources
      .filter((r) => r.resourceType === 'MedicationRequest' || r.resourceType === 'MedicationStatement')
      .map((r) => (r as fhir4.MedicationRequest).medicationReference?.reference);
    expect(named.length).toBeGreaterThan(medications.length);
    expect(named.filter((reference) => !ids.has(reference ?? ''))).toEqual([]);
  });

  it('streams the same document one composition at a time', async () => {
    const chunks: string[] = [];
    for await (const chunk of streamEhrExtract(record, OPTIONS)) chunks.push(String(chunk));
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join('')).toBe(buildEhrExtract(record, OPTIONS));
  });

  it('reports what cannot travel instead of dropping it silently', () => {
    const skipped: string[] = [];
    const flag = {
      resourceType: 'Flag',
      id: 'F1',
      status: 'active',
      code: { text: 'x' },
      subject: { reference: 'Patient/p' },
    } as fhir4.Flag;
    const orphan: fhir4.Specimen = { resourceType: 'Specimen', id: 'S-ORPHAN' };
    buildEhrExtract(
      { ...record, resources: [...record.resources, flag, orphan] },
      { ...OPTIONS, onSkipped: (r, why) => skipped.push(`${r.resourceType}:${why}`) },
    );
    expect(skipped).toEqual(['Flag:unsupported-type', 'Specimen:orphan-specimen']);
  });

  it('needs the patient NHS number and the sending ODS code, and says so', () => {
    expect(() => buildEhrExtract({ ...record, patient: { resourceType: 'Patient', id: 'x' } }, OPTIONS)).toThrow(
      /NHS number/,
    );
    expect(() => buildEhrExtract({ ...record, practice: { resourceType: 'Organization', id: 'o' } }, OPTIONS)).toThrow(
      /ODS/,
    );
  });
});
