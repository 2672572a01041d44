import { recordSections, type RecordSection } from '@lloyd/config';
import { SECTION_PARAMETERS, sectionOf, sectionsForResourceType } from './sections.js';

const observation = (category?: { system?: string; code: string }): fhir4.Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  ...(category ? { category: [{ coding: [category] }] } : {}),
});

describe('sectionOf', () => {
  it.each<[string, fhir4.Resource, RecordSection | undefined]>([
    ['AllergyIntolerance', { resourceType: 'AllergyIntolerance' }, 'allergies'],
    ['MedicationStatement', { resourceType: 'MedicationStatement' }, 'medications'],
    ['MedicationRequest', { resourceType: 'MedicationRequest' }, 'medications'],
    ['Medication', { resourceType: 'Medication' }, 'medications'],
    ['Condition', { resourceType: 'Condition' }, 'problems'],
    ['Encounter', { resourceType: 'Encounter' }, 'consultations'],
    ['Immunization', { resourceType: 'Immunization' }, 'immunisations'],
    ['DiagnosticReport', { resourceType: 'DiagnosticReport' }, 'investigations'],
    ['Specimen', { resourceType: 'Specimen' }, 'investigations'],
    [
      'laboratory Observation',
      observation({ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }),
      'investigations',
    ],
    ['Observation with a bare laboratory code', observation({ code: 'laboratory' }), 'investigations'],
    ['vital-signs Observation', observation({ code: 'vital-signs' }), 'uncategorised'],
    [
      'laboratory code from another system',
      observation({ system: 'https://other.example', code: 'laboratory' }),
      'uncategorised',
    ],
    ['Observation without category', observation(), 'uncategorised'],
    ['ServiceRequest', { resourceType: 'ServiceRequest' }, 'referrals'],
    ['DocumentReference', { resourceType: 'DocumentReference' }, 'documents'],
    ['Patient', { resourceType: 'Patient' }, undefined],
    ['List', { resourceType: 'List' }, undefined],
  ])('%s', (_name, resource, section) => {
    expect(sectionOf(resource)).toBe(section);
  });

  it('maps Observation searches to both sections it can return', () => {
    expect(sectionsForResourceType('Observation')).toEqual(['investigations', 'uncategorised']);
    expect(sectionsForResourceType('Condition')).toEqual(['problems']);
    expect(sectionsForResourceType('AuditEvent')).toEqual([]);
  });

  it("names each section by GP Connect's parameter", () => {
    expect(Object.keys(SECTION_PARAMETERS).sort()).toEqual([...recordSections].sort());
    expect(SECTION_PARAMETERS.medications).toBe('includeMedication');
    expect(SECTION_PARAMETERS.uncategorised).toBe('includeUncategorisedData');
  });
});
