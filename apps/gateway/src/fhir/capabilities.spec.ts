import { CLINICAL_TYPES } from '@lloyd/adapters-core';
import { FHIR_CAPABILITIES, gatewayCapabilityStatement } from './capabilities.js';
import { INCLUDES } from './record/includes.js';
import { CLINICAL_SEARCH, PATIENT_SEARCH } from './search-parameters.js';

const statement = gatewayCapabilityStatement({ baseUrl: 'http://lloyd.test/fhir', version: '0', date: '2025-01-01' });
const resource = (type: string) => statement.rest![0]!.resource!.find((r) => r.type === type)!;

describe('the CapabilityStatement', () => {
  it.each(CLINICAL_TYPES)('advertises for %s exactly the includes of the includes table', (type) => {
    expect(resource(type).searchInclude).toEqual(Object.keys(INCLUDES[type]).map((param) => `${type}:${param}`));
  });

  it('advertises no include of another type, nor one a type does not have', () => {
    expect(resource('AllergyIntolerance').searchInclude).not.toContain('AllergyIntolerance:medication');
    expect(resource('Immunization').searchInclude).not.toContain('Immunization:result');
    expect(resource('Encounter').searchInclude).not.toContain('Encounter:specimen');
    expect(resource('Encounter').searchInclude).not.toContain('Encounter:performer');
    expect(resource('Encounter').searchInclude).toEqual(
      expect.arrayContaining(['Encounter:participant', 'Encounter:practitioner']),
    );
  });

  it.each(CLINICAL_TYPES)('declares for %s exactly the parameters its search accepts', (type) => {
    const declared = (resource(type).searchParam ?? []).map((p) => p.name);
    // `_include` is declared by searchInclude, `_format` by the statement's `format`.
    expect([...declared, '_include', '_format'].sort()).toEqual(
      [...CLINICAL_SEARCH.single, ...CLINICAL_SEARCH.repeatable].sort(),
    );
  });

  it('declares for Patient exactly the parameters its search accepts', () => {
    const declared = (resource('Patient').searchParam ?? []).map((p) => p.name);
    expect([...declared, '_format'].sort()).toEqual([...PATIENT_SEARCH.single, ...PATIENT_SEARCH.repeatable].sort());
    expect(resource('Patient').searchInclude).toBeUndefined();
  });

  it('says how searches handle parameters they do not support (Prefer: handling)', () => {
    expect(statement.rest![0]!.documentation).toMatch(/Prefer: handling=strict/);
    const searchable = FHIR_CAPABILITIES.filter(
      (d) => d.interactions.includes('search-type') && d.type !== 'AuditEvent',
    );
    const undocumented = searchable.filter((d) => !/handling=strict/.test(resource(d.type).documentation ?? ''));
    expect(undocumented).toEqual([]);
    expect(statement.format).toEqual(expect.arrayContaining(['application/fhir+json', 'json']));
  });
});
