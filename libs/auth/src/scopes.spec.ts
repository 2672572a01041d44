import {
  assertValidRequirement,
  grantsRead,
  grantsSearch,
  onlyPatientContextCovers,
  parseScope,
  satisfiesRequirement,
  scopeToAskFor,
  splitScopes,
} from './scopes.js';

describe('grantsRead', () => {
  it.each([
    [['system/*.rs'], 'Patient', true],
    [['system/*.read'], 'Condition', true],
    [['system/Patient.rs'], 'Patient', true],
    [['system/Patient.r'], 'Patient', true],
    [['system/Patient.read'], 'Patient', true],
    [['system/Patient.cruds'], 'Patient', true],
    [['system/Patient.*'], 'Patient', true],
    [['patient/*.rs'], 'Observation', false], // Lloyd issues no patient launch context: patient/ grants nothing
    [['patient/Observation.rs'], 'Observation', false],
    [['user/*.rs'], 'Observation', true],
    [['user/Observation.r'], 'Observation', true],
    [['system/Patient.rs'], 'Observation', false],
    [['system/Patient.s'], 'Patient', false],
    [['system/*.write'], 'Patient', false],
    [['system/*.cud'], 'Patient', false],
    [['system/gp2gp.write', 'system/gp2gp.read'], 'Patient', false],
    [['system/*.sr'], 'Patient', false], // v2 letters must be in cruds order
    [['system/*.rs?category=laboratory'], 'Observation', false], // query-restricted scopes are not supported
    [['launch/patient'], 'Patient', false],
    [['*.rs'], 'Patient', false],
    [[], 'Patient', false],
    [['system/*.rs'], 'AuditEvent', false], // the audit trail needs a scope that names it
    [['system/AuditEvent.read'], 'AuditEvent', true],
    [['system/AuditEvent.rs'], 'AuditEvent', true],
  ])('%j reads %s: %s', (scopes, type, expected) => {
    expect(grantsRead(scopes, type)).toBe(expected);
  });
});

describe('grantsSearch', () => {
  it.each([
    [['system/*.rs'], 'Patient', true],
    [['system/Patient.r'], 'Patient', false],
    [['system/Patient.s'], 'Patient', true],
    [['patient/*.read'], 'Patient', false],
    [['user/Patient.s'], 'Patient', true],
  ])('%j searches %s: %s', (scopes, type, expected) => {
    expect(grantsSearch(scopes, type)).toBe(expected);
  });
});

describe('satisfiesRequirement', () => {
  it.each([
    [['system/gp2gp.write'], 'system/gp2gp.write', true],
    [['system/gp2gp.read'], 'system/gp2gp.write', false],
    [['system/gp2gp.write', 'system/gp2gp.read'], 'system/gp2gp.read', true],
    [['system/*.write'], 'system/gp2gp.write', false], // wildcards cover FHIR types, never Lloyd capabilities
    [['system/*.*'], 'system/admin.write', false],
    [['system/admin.write'], 'system/admin.write', true],
    [['patient/admin.write'], 'system/admin.write', false], // the context must match
    [['system/AuditEvent.read'], 'system/AuditEvent.read', true],
    [['system/AuditEvent.rs'], 'system/AuditEvent.read', true],
    [['system/AuditEvent.r'], 'system/AuditEvent.read', false],
    [['system/*.rs'], 'system/AuditEvent.read', false],
    [['system/*.rs'], 'read:Patient', true],
    [['patient/*.rs'], 'read:Patient', false],
    [['patient/*.rs', 'system/Patient.r'], 'read:Patient', true],
    [['system/gp2gp.read'], 'read:Patient', false],
    [['system/*.rs'], 'search:Condition', true],
    [['system/*.rs'], 'read:AuditEvent', false],
    [['system/*.rs'], 'nonsense', false],
  ])('%j satisfies %s: %s', (scopes, requirement, expected) => {
    expect(satisfiesRequirement(scopes, requirement)).toBe(expected);
  });
});

describe('onlyPatientContextCovers and scopeToAskFor', () => {
  it('says when only a patient/ scope names what is missing', () => {
    expect(onlyPatientContextCovers(['patient/*.rs'], 'read:Condition')).toBe(true);
    expect(onlyPatientContextCovers(['patient/Patient.r'], 'read:Condition')).toBe(false);
    expect(onlyPatientContextCovers(['patient/*.rs', 'system/*.rs'], 'read:Condition')).toBe(false);
    expect(onlyPatientContextCovers(['patient/*.rs'], 'system/gp2gp.write')).toBe(false);
  });

  it('names the SMART scope to ask for', () => {
    expect(scopeToAskFor('read:Condition')).toBe('system/Condition.r');
    expect(scopeToAskFor('search:Observation')).toBe('system/Observation.s');
    expect(scopeToAskFor('system/gp2gp.write')).toBe('system/gp2gp.write');
  });
});

describe('scope parsing', () => {
  it('splits a scope claim into distinct scopes', () => {
    expect(splitScopes('  system/*.rs   system/gp2gp.write system/*.rs ')).toEqual([
      'system/*.rs',
      'system/gp2gp.write',
    ]);
    expect(splitScopes('')).toEqual([]);
  });

  it('maps v1 permissions onto v2 letters', () => {
    expect([...parseScope('system/AuditEvent.read')!.permissions]).toEqual(['r', 's']);
    expect([...parseScope('system/gp2gp.write')!.permissions]).toEqual(['c', 'u', 'd']);
    expect(parseScope('system/Patient.')).toBeUndefined();
    expect(parseScope('system/Patient.x')).toBeUndefined();
  });

  it('rejects invalid requirements when a route is declared', () => {
    expect(() => assertValidRequirement('read:patient')).toThrow(/not a scope requirement/);
    expect(() => assertValidRequirement('gp2gp.write')).toThrow(/not a scope requirement/);
    expect(() => assertValidRequirement('read:Patient')).not.toThrow();
    expect(() => assertValidRequirement('system/gp2gp.write')).not.toThrow();
  });
});
