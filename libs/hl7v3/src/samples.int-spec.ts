import { readdirSync, readFileSync } from 'node:fs';
import { r4Errors } from '@lloyd/adapters-core-testing';
import { describeWithSharedData, sharedDataPath } from '@lloyd/test-support';
import { recordToBundle } from './extract/translate-bundle.js';
import { parseEhrExtract } from './extract/parse-ehr-extract.js';
import { parseCopc } from './messages/copc.js';
import { messageKind, readRootElement } from './messages/detect-interaction.js';
import { foldedComments } from './testing/compare-records.js';

/**
 * Every NHS sample message parses and translates into R4 that both validators accept. Files that are not extracts
 * (the COPC Continue sample) are parsed as what they are.
 */

const EXTRACTS = sharedDataPath('gp2gp', 'extracts');
const PWTP = sharedDataPath('gp2gp', 'pwtp');
const SENT_BY_NHS_ADAPTOR = sharedDataPath('gpconnect', 'ehr-extract-expected');

function xmlFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort();
  } catch {
    return [];
  }
}

async function invalidResources(resources: readonly fhir4.Resource[]): Promise<string[]> {
  const problems: string[] = [];
  for (const resource of resources) {
    for (const e of await r4Errors(resource))
      problems.push(`${resource.resourceType}/${resource.id} [${e.validator}] ${e.location}: ${e.message}`);
  }
  return problems;
}

describeWithSharedData('NHS sample EHR extracts → canonical record → R4', () => {
  const files = [
    ...xmlFiles(EXTRACTS).map((f) => [`extracts/${f}`, `${EXTRACTS}/${f}`] as const),
    ...xmlFiles(PWTP).map((f) => [`pwtp/${f}`, `${PWTP}/${f}`] as const),
    ...xmlFiles(SENT_BY_NHS_ADAPTOR).map((f) => [`ehr-extract-expected/${f}`, `${SENT_BY_NHS_ADAPTOR}/${f}`] as const),
  ];

  it('finds the sample files', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it('parses the COPC sample among the extracts as the Continue message it is', async () => {
    const bytes = readFileSync(`${EXTRACTS}/COPC_IN000001UK01_CONTINUE__payload.xml`);
    expect(messageKind(await readRootElement(bytes))).toBe('copc');
    expect((await parseCopc(bytes)).kind).toBe('continue');
  });

  it.each(files.filter(([name]) => !name.includes('COPC_IN')))(
    '%s parses and translates to valid R4',
    async (_name, path) => {
      const bytes = readFileSync(path);
      expect(messageKind(await readRootElement(bytes))).toBe('ehr-extract');
      const { record, stats } = await parseEhrExtract(bytes);
      expect(stats.compositions).toBeGreaterThan(0);
      expect(record.resources.length).toBeGreaterThan(0);
      const bundle = recordToBundle(record);
      expect(bundle.type).toBe('collection');
      const resources = (bundle.entry ?? []).map((e) => e.resource!);
      expect(await invalidResources(resources)).toEqual([]);
    },
  );

  it('carries confidentiality (NOPAT) from the samples that have it', async () => {
    const encounter = await parseEhrExtract(
      readFileSync(`${EXTRACTS}/Encounter__encounter_with_nopat_confidentiality_code_within_ehr_composition.xml`),
    );
    expect(encounter.record.resources.every((r) => r.meta?.security?.[0]?.code === 'NOPAT')).toBe(true);
    const medication = await parseEhrExtract(
      readFileSync(
        `${EXTRACTS}/MedicationStatement__ehrExtract_nopatConfidentialityCodePresentWithinMedicationStatement.xml`,
      ),
    );
    const secured = medication.record.resources
      .filter((r) => r.meta?.security?.[0]?.code === 'NOPAT')
      .map((r) => r.resourceType);
    expect(secured).toEqual(expect.arrayContaining(['MedicationRequest', 'MedicationStatement']));
    expect(secured).not.toContain('Encounter');
  });

  it('links issues to their authorisation across compositions in the NHS medication sample', async () => {
    const { record } = await parseEhrExtract(
      readFileSync(
        `${EXTRACTS}/MedicationStatement__ehrExtract_MultipleSupplyPrescribeInFulfilmentOfSingleAcuteSupplyAuthorise.xml`,
      ),
    );
    const requests = record.resources.filter(
      (r): r is fhir4.MedicationRequest => r.resourceType === 'MedicationRequest',
    );
    const plan = requests.find((r) => r.intent === 'plan')!;
    const orders = requests.filter((r) => r.intent === 'order');
    expect(orders).toHaveLength(2);
    expect(orders.every((o) => o.basedOn?.[0]?.reference === `MedicationRequest/${plan.id}`)).toBe(true);
  });
});

/**
 * The NHS receiving adaptor's STU3 translation of each PWTP record, compared type by type. Lloyd's counts are
 * "about the same": equal within one item per type, once the comments Lloyd keeps as notes of battery
 * Observations are counted back in (the adaptor makes each comment inside a battery, e.g. a blood pressure note,
 * a separate "Comment note" Observation); and at least 85% of the adaptor's items are found by id. The remaining
 * one-item differences: the adaptor adds a MedicationRequest for an issue whose authorisation is missing (PWTP2),
 * and maps a self-referral RequestStatement to an Observation where Lloyd keeps it a referral (PWTP7).
 */
describeWithSharedData('PWTP records compared with the NHS adaptor', () => {
  const TYPES = ['AllergyIntolerance', 'Condition', 'Encounter', 'MedicationRequest', 'Observation'] as const;
  const records = xmlFiles(PWTP).map((f) => f.replace(/\.xml$/, ''));

  it.each(records)('%s has about the same items per resource type as the NHS adaptor', async (name) => {
    const { record } = await parseEhrExtract(readFileSync(`${PWTP}/${name}.xml`));
    const expected = JSON.parse(readFileSync(`${PWTP}/${name}-expected-stu3.json`, 'utf8')) as {
      entry?: { resource: { resourceType: string; id: string } }[];
    };
    for (const type of TYPES) {
      const theirs = (expected.entry ?? []).map((e) => e.resource).filter((r) => r.resourceType === type);
      const ours = new Set(record.resources.filter((r) => r.resourceType === type).map((r) => r.id));
      const count = ours.size + (type === 'Observation' ? foldedComments(record.resources) : 0);
      expect({
        type,
        count: Math.abs(count - theirs.length) <= 1 ? 'about the same' : `${count} vs ${theirs.length}`,
      }).toEqual({
        type,
        count: 'about the same',
      });
      const found = theirs.filter((r) => ours.has(r.id)).length;
      expect({ type, matched: found >= Math.floor(theirs.length * 0.85) }).toEqual({ type, matched: true });
    }
  });
});
