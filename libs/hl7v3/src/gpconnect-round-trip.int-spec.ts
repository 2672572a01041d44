import { readdirSync, readFileSync } from 'node:fs';
import { convertStructuredRecordWithReport } from '@lloyd/adapter-fhir-stu3';
import { CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { describeWithSharedData, sharedDataPath } from '../../../test/support/shared-data.js';
import { buildEhrExtract } from './build/build-ehr-extract.js';
import type { PartNotCarried, SkipReason } from './build/build-context.js';
import { isDegradedCode } from './datatypes/code-systems.js';
import { parseEhrExtract, type ParsedEhrExtract } from './extract/parse-ehr-extract.js';
import { primaryConcept } from './extract/parse-context.js';
import { relatedProblemsOf } from './extract/statements/linkset.js';
import { TEST_BUILD_OPTIONS } from './testing/build-options.js';

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

/** An item's codes: the `system|code` set of its main concept (transfer-degraded codes are markers, not codes). */
function codes(resource: fhir4.Resource): string {
  const codings = (primaryConcept(resource)?.coding ?? []).filter((c) => c.code && !isDegradedCode(c.system, c.code));
  return [...new Set(codings.map((c) => `${c.system ?? ''}|${c.code}`))].sort().join(' + ');
}

/**
 * The codes of every item that the round trip lost, as `Type/id: system|code`. Items are matched by type and id
 * (ids travel as statement ids), else by type and codes; medications by drug, as each authorisation and issue brings its own copy back. An
 * item may come back with more codes (e.g. a report's type), never with fewer.
 */
function lostCodes(before: readonly fhir4.Resource[], after: readonly fhir4.Resource[]): string[] {
  const back = new Map(after.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const drugsBack = new Set(after.filter((r) => r.resourceType === 'Medication').map(codes));
  const lost: string[] = [];
  for (const r of before) {
    const wanted = codes(r);
    if (!primaryConcept(r) || wanted === '') continue;
    if (r.resourceType === 'Medication') {
      if (!drugsBack.has(wanted)) lost.push(`Medication/${r.id}: ${wanted}`);
      continue;
    }
    const wantedCodes = wanted.split(' + ');
    const has = (candidate: fhir4.Resource) => {
      const have = new Set(codes(candidate).split(' + '));
      return wantedCodes.every((c) => have.has(c));
    };
    const twin = back.get(`${r.resourceType}/${r.id}`);
    // An id that is no HL7 uid travels as a name-based UUID: such an item is found by its codes instead.
    if (twin ? has(twin) : after.some((a) => a.resourceType === r.resourceType && has(a))) continue;
    const have = new Set(twin ? codes(twin).split(' + ') : []);
    for (const code of wantedCodes) if (!have.has(code)) lost.push(`${r.resourceType}/${r.id}: ${code}`);
  }
  return lost;
}

function roles(record: CanonicalRecord): string[] {
  const practitioners = new Map(record.practitioners.map((p) => [`Practitioner/${p.id}`, p]));
  return record.practitionerRoles
    .map((r) => {
      const name = practitioners.get(r.practitioner?.reference ?? '')?.name?.[0];
      const who = [...(name?.given ?? []), name?.family ?? ''].join(' ');
      const codings = (r.code?.[0]?.coding ?? []).map((c) => `${c.system}|${c.code}`).sort();
      return `${who}: ${codings.join(' + ')} @${r.organization ? 'organisation' : 'none'}`;
    })
    .sort();
}

/** Problem links by problem code: `<code> <type> <code of target>`. */
function problemLinks(resources: readonly fhir4.Resource[]): string[] {
  const conditions = resources.filter((r): r is fhir4.Condition => r.resourceType === 'Condition');
  const byRef = new Map(conditions.map((c) => [`Condition/${c.id}`, c]));
  return conditions
    .flatMap((c) =>
      relatedProblemsOf(c).map(({ type, reference }) => {
        const target = byRef.get(reference);
        return `${what(c)} ${type} ${target ? what(target) : reference}`;
      }),
    )
    .sort();
}

const OPTIONS = TEST_BUILD_OPTIONS;

describeWithSharedData('GP Connect STU3 structured records (shared samples) → EHR extract → canonical R4', () => {
  it('finds the sample records', () => {
    expect(files().length).toBeGreaterThanOrEqual(7);
  });

  describe.each(files())('%s', (file) => {
    let before: CanonicalRecord;
    let droppedExtensions: Readonly<Record<string, number>>;
    let back: ParsedEhrExtract;
    const skipped: { resource: fhir4.Resource; reason: SkipReason }[] = [];
    const partsNotCarried: string[] = [];

    beforeAll(async () => {
      const bundle = JSON.parse(readFileSync(`${FOLDER}/${file}`, 'utf8')) as fhir3.Bundle;
      const conversion = convertStructuredRecordWithReport(bundle);
      before = conversion.record;
      droppedExtensions = conversion.report.droppedExtensions;
      const xml = buildEhrExtract(before, {
        ...OPTIONS,
        onSkipped: (resource, reason) => skipped.push({ resource, reason }),
        onPartNotCarried: (resource, part: PartNotCarried) =>
          partsNotCarried.push(`${resource.resourceType}/${resource.id}: ${part.kind} ${part.detail}`),
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
      // A consultation's place travels by name, as its composition's location: it comes back on the Encounter
      // (checked below), not as a Location of its own.
      delete expected['Location'];
      delete actual['Location'];
      for (const type of Object.keys(expected)) if (expected[type] === 0) delete expected[type];
      expect(actual).toEqual(expected);
      expect(drugs(back.record.resources)).toEqual(drugs(before.resources));
    });

    it('keeps where each consultation took place, by name', () => {
      const byId = new Map(before.resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
      const placeOf = (e: fhir4.Encounter, index: Map<string, fhir4.Resource>) => {
        const reference = e.location?.[0]?.location;
        return reference?.display ?? (index.get(reference?.reference ?? '') as fhir4.Location | undefined)?.name;
      };
      const places = (resources: fhir4.Resource[], index: Map<string, fhir4.Resource>) =>
        resources
          .filter((r): r is fhir4.Encounter => r.resourceType === 'Encounter')
          .map((e) => placeOf(e, index) ?? '')
          .sort();
      const backById = new Map(back.record.resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
      expect(places(back.record.resources, backById)).toEqual(places(before.resources, byId));
      // A Location no consultation names (e.g. the practice's main site) is reported as not carried; none other is.
      const named = new Set(
        before.resources.flatMap((r) =>
          r.resourceType === 'Encounter' ? [(r as fhir4.Encounter).location?.[0]?.location.reference ?? ''] : [],
        ),
      );
      expect(skipped.filter(({ resource }) => named.has(`Location/${resource.id ?? ''}`))).toEqual([]);
    });

    it('keeps every code of every item: SNOMED CT as the code, local and other codings as translations', () => {
      const sent = before.resources.filter((r) => !skipped.some((s) => s.resource === r));
      expect(lostCodes(sent, back.record.resources)).toEqual([]);
    });

    it('keeps every practitioner role, with its code and organisation', () => {
      expect(roles(back.record)).toEqual(roles(before));
    });

    it('keeps the problem hierarchy (GP Connect RelatedProblemHeader) as LinkSets linking LinkSets', () => {
      expect(Object.keys(droppedExtensions).filter((url) => url.includes('RelatedProblemHeader'))).toEqual([]);
      expect(problemLinks(back.record.resources)).toEqual(problemLinks(before.resources));
    });

    it('reports no part of any item as not carried', () => {
      expect(partsNotCarried).toEqual([]);
    });

    it('leaves out only non-clinical resources (locations, other organisations), and says so', () => {
      const leftOut = [...new Set(skipped.map((s) => `${s.resource.resourceType}: ${s.reason}`))].sort();
      expect(leftOut.filter((s) => !/^(Location|Organization): unsupported-type$/.test(s))).toEqual([]);
    });
  });
});
