import { ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';

/** Drops undefined members and empty arrays, so mapped resources never carry empty elements (invalid in FHIR). */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}

export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** Units GP systems write that are UCUM codes as written; others (tablets, puffs…) stay plain units. */
const UCUM_UNITS = new Set([
  '%',
  '/min',
  '10*12/L',
  '10*9/L',
  'cm',
  'd',
  'fL',
  'g',
  'g/L',
  'h',
  'kg',
  'kg/m2',
  'L',
  'L/min',
  'mg',
  'mg/L',
  'mL',
  'mm[Hg]',
  'mmol/L',
  'mmol/mol',
  'nmol/L',
  'pg',
  'U/L',
  'umol/L',
]);

/** True when a unit as GP systems write it is a UCUM code as written (`g/L`, `mmol/L`; not `mmHg` or `tablets`). */
export function isUcumUnit(unit: string): boolean {
  return UCUM_UNITS.has(unit);
}

/** A Quantity, UCUM-coded when its unit is a UCUM code. */
export function quantity(value: number, unit: string | undefined): fhir4.Quantity {
  if (!unit) return { value };
  return isUcumUnit(unit) ? { value, unit, system: UCUM_SYSTEM, code: unit } : { value, unit };
}

/** A logical reference to a GP practice by its ODS code (GP Connect / PDS `generalPractitioner`). */
export function practiceReference(ods: string, name?: string): fhir4.Reference {
  return compact({ type: 'Organization', identifier: { system: ODS_ORGANISATION_SYSTEM, value: ods }, display: name });
}

/** A logical reference to a clinician by SDS user id; the display is the name parts that are present. */
export function clinicianReference(
  sdsUserId: string,
  nameParts: readonly (string | undefined)[] = [],
): fhir4.Reference {
  const display = nameParts.filter(Boolean).join(' ');
  return compact({
    type: 'Practitioner',
    identifier: { system: SDS_USER_SYSTEM, value: sdsUserId },
    display: display || undefined,
  });
}
