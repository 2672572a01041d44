import { readdirSync, readFileSync } from 'node:fs';
import { r4Errors, type R4Issue } from '@lloyd/adapters-core-testing';
import { describeWithSharedData, sharedDataPath } from '../../../../test/support/shared-data.js';
import { convertStructuredRecordWithReport, recordResources } from './index.js';

const folder = sharedDataPath('gpconnect', 'structured');
const files = (): string[] =>
  readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();

const R4_TYPE: Record<string, string> = { ProcedureRequest: 'ServiceRequest', ReferralRequest: 'ServiceRequest' };
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Every `Type/id` reference in a resource, with its path. */
function references(value: unknown, path = ''): { path: string; reference: string }[] {
  if (Array.isArray(value)) return value.flatMap((v) => references(v, path));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === 'reference' && typeof v === 'string' ? [{ path, reference: v }] : references(v, `${path}.${key}`),
  );
}

function expectedCounts(bundle: fhir3.Bundle): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of bundle.entry ?? []) {
    const type = entry.resource?.resourceType;
    if (!type || type === 'List') continue;
    const r4 = R4_TYPE[type] ?? type;
    counts[r4] = (counts[r4] ?? 0) + 1;
  }
  return counts;
}

describeWithSharedData('GP Connect STU3 structured records (shared samples) → canonical R4', () => {
  it('has the seven sample records', () => {
    expect(files()).toHaveLength(7);
  });

  describe.each(files())('%s', (file) => {
    const bundle = JSON.parse(readFileSync(`${folder}/${file}`, 'utf8')) as fhir3.Bundle;
    const { record, report } = convertStructuredRecordWithReport(bundle);
    const resources = recordResources(record);

    it('keeps every resource but the Lists, type for type', () => {
      const counts: Record<string, number> = {};
      for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
      expect(counts).toEqual(expectedCounts(bundle));
      expect(Object.keys(report.droppedResources)).toEqual(['List']);
      expect(report.droppedResources['List']).toBe(
        bundle.entry?.filter((e) => e.resource?.resourceType === 'List').length,
      );
    });

    it('gives every resource a canonical id, unique per type', () => {
      const seen = new Set<string>();
      for (const r of resources) {
        expect(r.id).toMatch(ID);
        const key = `${r.resourceType}/${r.id ?? ''}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    });

    it('rewrites every reference to a resource of the record (none to the dropped Lists)', () => {
      const known = new Set(resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
      const dangling = resources.flatMap((r) =>
        references(r)
          .filter((ref) => !known.has(ref.reference))
          .map((ref) => `${r.resourceType}/${r.id ?? ''}${ref.path} → ${ref.reference}`),
      );
      expect(dangling).toEqual([]);
    });

    it('makes every clinical item reference the patient', () => {
      const patientRef = `Patient/${record.patient.id ?? ''}`;
      for (const r of record.resources) {
        if (['Organization', 'Location', 'Medication'].includes(r.resourceType)) continue;
        const item = r as { subject?: fhir4.Reference; patient?: fhir4.Reference };
        expect((item.subject ?? item.patient)?.reference).toBe(patientRef);
      }
    });

    it('takes the practice from the Patient and puts the usual GP first', () => {
      expect(record.patient.managingOrganization?.reference).toBe(`Organization/${record.practice.id ?? ''}`);
      const gp = record.patient.generalPractitioner?.find((g) => g.reference?.startsWith('Practitioner/'));
      expect(gp?.reference).toBe(`Practitioner/${record.practitioners[0]?.id ?? ''}`);
    });

    it('links the items filed in consultations to their Encounter', () => {
      const consultationLists = bundle.entry?.filter(
        (e) =>
          e.resource?.resourceType === 'List' &&
          (e.resource as fhir3.List).code?.coding?.some((c) => c.code === '325851000000107'),
      ).length;
      if (consultationLists === 0) return;
      expect(report.encounterLinksDerived + resources.filter(hasEncounter).length).toBeGreaterThan(0);
      for (const r of resources.filter(hasEncounter)) {
        expect(encounterOf(r)).toMatch(/^Encounter\//);
      }
    });

    it('produces only valid FHIR R4 (both validators)', async () => {
      const failures: string[] = [];
      for (const r of resources) {
        const errors: R4Issue[] = await r4Errors(r);
        if (errors.length > 0) failures.push(`${r.resourceType}/${r.id ?? ''}: ${errors.map(issueText).join('; ')}`);
      }
      expect(failures).toEqual([]);
    }, 120_000);
  });
});

function issueText(issue: R4Issue): string {
  return `[${issue.validator}] ${issue.location} ${issue.message}`;
}

function encounterOf(r: fhir4.Resource): string | undefined {
  if (r.resourceType === 'DocumentReference') return (r as fhir4.DocumentReference).context?.encounter?.[0]?.reference;
  if (r.resourceType === 'MedicationStatement') return (r as fhir4.MedicationStatement).context?.reference;
  return (r as { encounter?: fhir4.Reference }).encounter?.reference;
}

function hasEncounter(r: fhir4.Resource): boolean {
  return encounterOf(r) !== undefined;
}
