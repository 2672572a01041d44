import { isValidNhsNumber } from './nhs-number.js';

describe('isValidNhsNumber', () => {
  it.each([
    '9990000018',
    '9990000026',
    '9990000034',
    '9990000042',
    '9990000050',
    '9990000069',
    '9990000077',
    '9990000085',
    '9990000093',
    '9990000107',
    '9434765919',
  ])('accepts %s', (n) => {
    expect(isValidNhsNumber(n)).toBe(true);
  });

  it.each([
    ['9990000019', 'wrong check digit'],
    ['999000001', 'nine digits'],
    ['99900000180', 'eleven digits'],
    ['999000001X', 'non-digit'],
    ['', 'empty'],
    ['1000000010', 'check digit would be 10'],
  ])('rejects %s (%s)', (n) => {
    expect(isValidNhsNumber(n)).toBe(false);
  });
});
