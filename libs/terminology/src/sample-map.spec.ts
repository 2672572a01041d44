import { CODE_SYSTEMS } from '@lloyd/adapters-core';
// The cross-check reads the generator's catalogue; the library itself never imports the app.
// eslint-disable-next-line no-restricted-imports
import { CATALOGUE } from '../../../apps/supplier-sim/src/generator/catalogue.js';
import { CTV3_CATALOGUE_ROWS, READV2_CATALOGUE_ROWS, READV2_EXTRACT_ROWS } from './data/sample-map.js';
import { Terminology } from './terminology.js';

const terminology = Terminology.sample();
const concepts = [...CATALOGUE.values()];
const lookup = (system: string, code: string) => terminology.lookup({ system, code })?.conceptId;

describe('the sample map against the generator catalogue', () => {
  it('maps every catalogue Read v2 code to the catalogue concept', () => {
    const national = concepts.filter((c) => !c.readV2.local);
    expect(national.length).toBeGreaterThan(50);
    const wrong = national
      .filter((c) => lookup(CODE_SYSTEMS.readv2, c.readV2.code) !== c.snomed?.code)
      .map((c) => `${c.key}: ${c.readV2.code}`);
    expect(wrong).toEqual([]);
  });

  it('maps every national catalogue CTV3 code to the catalogue concept', () => {
    const national = concepts.filter((c) => !c.ctv3.local);
    expect(national.length).toBeGreaterThan(50);
    const wrong = national
      .filter((c) => lookup(CODE_SYSTEMS.ctv3, c.ctv3.code) !== c.snomed?.code)
      .map((c) => `${c.key}: ${c.ctv3.code}`);
    expect(wrong).toEqual([]);
  });

  it('maps no local code, in any scheme', () => {
    const local = concepts.flatMap((c) => [c.readV2, c.ctv3].filter((code) => code.local).map((code) => code.code));
    expect(local).toEqual(expect.arrayContaining(['EMISNQPR489', 'EMISCTH1']));
    const mapped = local.filter(
      (code) => lookup(CODE_SYSTEMS.readv2, code) !== undefined || lookup(CODE_SYSTEMS.ctv3, code) !== undefined,
    );
    expect(mapped).toEqual([]);
  });

  it('has one target per code and only well-formed codes', () => {
    for (const rows of [[...READV2_CATALOGUE_ROWS, ...READV2_EXTRACT_ROWS], CTV3_CATALOGUE_ROWS]) {
      const codes = rows.map(([code]) => code);
      expect(new Set(codes).size).toBe(codes.length);
      for (const [code, conceptId, display] of rows) {
        expect(code).toMatch(/^[A-Za-z0-9.]{5}$/);
        expect(conceptId).toMatch(/^\d{6,18}$/);
        expect(display.length).toBeGreaterThan(0);
      }
    }
  });
});
