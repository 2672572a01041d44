import { readdirSync, readFileSync } from 'node:fs';
import { convertStructuredRecordWithReport } from '@lloyd/adapter-fhir-stu3';
import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { describeWithSharedData, sharedDataPath } from '../../../test/support/shared-data.js';
import { buildEhrExtract } from './build/build-ehr-extract.js';
import type { SkipReason } from './build/build-context.js';
import { isDegradedCode } from './datatypes/code-systems.js';
import { parseEhrExtract, type ParsedEhrExtract } from './extract/parse-ehr-extract.js';
import { primaryConcept } from './extract/parse-context.js';

/**
 * The GP2GP direction for a GP Connect (P40004) record: every shared STU3 structured record is read into the canonical
 * model, sent as an HL7 V3 EHR extract and read back. Every problem and every clinical item must survive, type for
 * type; an item the builder cannot carry must be reported through `onSkipped`, never vanish.
 */

const FOLDER = sharedDataPath('gpconnect', 'structured');

function files(): string[] {
  return readdirSync(FOLDER)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

function countByType(resources: readonly fhir4.Resource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

/**
 * What an item is: its SNOMED CT code, else its text (a transfer-degraded item travels as its text, and local codings
 * without an OID do not travel at all).
 */
function what(resource: fhir4.Resource): string {
  const concept = primaryConcept(resource);
  const snomed = concept?.coding?.find((c) => c.system === CODE_SYSTEMS.snomed && !isDegradedCode(c.system, c.code));
  return snomed?.code ?? concept?.text ?? '(uncoded)';
}

function problems(resources: readonly fhir4.Resource[]): string[] {
  return resources
    .filter((r) => r.resourceType === 'Condition')
    .map(what)
    .sort();
}

function drugs(resources: readonly fhir4.Resource[]): Set<string> {
  return new Set(resources.filter((r) => r.resourceType === 'Medication').map(what));
}

const OPTIONS = {
  messageId: 'A1B2C3D4-0000-4000-8000-000000000001',
  conversationId: 'C0000000-0000-4000-8000-000000000001',
  fromAsid: '200000000111',
  toAsid: '200000000222',
  toOds: 'B67890',
  now: new Date('2024-05-01T10:00:00Z'),
};

describeWithSharedData('GP Connect STU3 structured records (shared samples) → EHR extract → canonical R4', () => {
  it('finds the sample records', () => {
    expect(files().length).toBeGreaterThanOrEqual(7);
  });

  describe.each(files())('%s', (file) => {
    let before: CanonicalRecord;
    let back: ParsedEhrExtract;
    const skipped: { resource: fhir4.Resource; reason: SkipReason }[] = [];

    beforeAll(async () => {
      const bundle = JSON.parse(readFileSync(`${FOLDER}/${file}`, 'utf8')) as fhir3.Bundle;
      before = convertStructuredRecordWithReport(bundle).record;
      const xml = buildEhrExtract(before, {
        ...OPTIONS,
        onSkipped: (resource, reason) => skipped.push({ resource, reason }),
      });
      back = await parseEhrExtract(xml);
    });

    it('keeps every problem (Condition), with its code', () => {
      expect(countByType(back.record.resources)['Condition'] ?? 0).toBe(
        countByType(before.resources)['Condition'] ?? 0,
      );
      expect(problems(back.record.resources)).toEqual(problems(before.resources));
      expect(back.stats.skipped['conditionNamed(unresolved)']).toBeUndefined();
    });

    it('keeps every clinical item type for type, less only the items the builder reports it did not carry', () => {
      const expected = countByType(before.resources);
      for (const { resource } of skipped) expected[resource.resourceType]! -= 1;
      const actual = countByType(back.record.resources);
      // GP2GP has no Medication statement: the drug travels inside every authorisation and issue, and each comes
      // back with a Medication of its own. The drugs themselves are compared instead.
      delete expected['Medication'];
      delete actual['Medication'];
      for (const type of Object.keys(expected)) if (expected[type] === 0) delete expected[type];
      expect(actual).toEqual(expected);
      expect(drugs(back.record.resources)).toEqual(drugs(before.resources));
    });

    it('leaves out only non-clinical resources (locations, other organisations), and says so', () => {
      const leftOut = [...new Set(skipped.map((s) => `${s.resource.resourceType}: ${s.reason}`))].sort();
      expect(leftOut.filter((s) => !/^(Location|Organization): unsupported-type$/.test(s))).toEqual([]);
    });
  });
});
