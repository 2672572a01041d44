/**
 * NHS number check digit (modulus 11, NHS Data Dictionary). The simulator keeps its own copy because it must not
 * depend on Lloyd's libraries.
 */
export function nhsCheckDigit(firstNine: string): number | null {
  if (!/^\d{9}$/.test(firstNine)) throw new Error(`Expected nine digits, got "${firstNine}"`);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return null; // no valid NHS number has these nine digits
  return check === 11 ? 0 : check;
}

export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  return nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

/** Nine-digit prefixes in one practice's share of the synthetic range. */
export const SYNTHETIC_REGION_SIZE = 100_000;

/**
 * Valid NHS numbers for synthetic patients of the practice with index `region` (0-based): the prefixes
 * 999 (region + 1) xx xxx, inside the 999 test range and clear of the demo patients (999 000 00xx). The walk starts
 * at `offset` and wraps around, so different seeds give different numbers while practices never collide.
 */
export function* syntheticNhsNumbers(region: number, offset: number): Generator<string> {
  if (region < 0 || region > 8) throw new Error(`Synthetic NHS number region ${region} is outside 0..8`);
  const base = 999_000_000 + (region + 1) * SYNTHETIC_REGION_SIZE;
  for (let i = 0; i < SYNTHETIC_REGION_SIZE; i++) {
    const nine = String(base + ((offset + i) % SYNTHETIC_REGION_SIZE));
    const check = nhsCheckDigit(nine);
    if (check !== null) yield `${nine}${check}`;
  }
}
