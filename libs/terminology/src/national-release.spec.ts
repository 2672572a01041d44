import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { CTV3_MAP_LAYOUT, loadNationalMaps, readMapFile, READV2_MAP_LAYOUT } from './national-release.js';
import { loadTerminology } from './terminology.js';

const READV2_HEADER = 'MapId\tReadCode\tTermCode\tConceptId\tDescriptionId\tIS_ASSURED\tEffectiveDate\tMapStatus';
const CTV3_HEADER =
  'MAPID\tCTV3_CONCEPTID\tCTV3_TERMID\tCTV3_TERMTYPE\tSCT_CONCEPTID\tSCT_DESCRIPTIONID\tMAPSTATUS\tEFFECTIVEDATE\tIS_ASSURED';

const tsv = (rows: string[][]) => rows.map((r) => r.join('\t'));

// Read v2 rows: [MapId, ReadCode, TermCode, ConceptId, DescriptionId, IS_ASSURED, EffectiveDate, MapStatus]
const READV2_ROWS = tsv([
  ['m1', 'H33..', '00', '195967001', '301485011', '1', '20020131', '1'],
  // A later revision of map m2 retires it: the code has no active map left.
  ['m2', 'G30..', '00', '22298006', '37436014', '1', '20020131', '1'],
  ['m2', 'G30..', '00', '22298006', '37436014', '1', '20180401', '0'],
  // An unassured map loses to an assured one, even a newer one.
  ['m3', '2469.', '00', '999999001', '', '0', '20200401', '1'],
  ['m4', '2469.', '00', '163030003', '254063019', '1', '20020131', '1'],
  // Of two assured maps, the preferred term's (00) wins over a synonym's.
  ['m5', '14LK.', '11', '999999002', '', '1', '20200401', '1'],
  ['m6', '14LK.', '00', '395102008', '', '1', '20100401', '1'],
  // Otherwise the latest wins.
  ['m7', 'E200.', '00', '197480006', '', '1', '20020131', '1'],
  ['m8', 'E200.', '00', '198288003', '', '1', '20190401', '1'],
  // Drug rows point at no concept.
  ['m9', 'bu23.', '00', '_DRUG', '', '1', '20020131', '1'],
  // An inactive map is ignored.
  ['m10', 'N142.', '00', '279039007', '', '1', '20020131', '0'],
]);

// CTV3 rows: [MAPID, CTV3_CONCEPTID, CTV3_TERMID, CTV3_TERMTYPE, SCT_CONCEPTID, SCT_DESCRIPTIONID, MAPSTATUS, EFFECTIVEDATE, IS_ASSURED]
const CTV3_ROWS = tsv([
  ['c1', 'XE2m6', 'Y1234', 'P', '1022431000000105', '', '1', '20140401', '1'],
  ['c2', 'Xa5dq', 'Y2222', 'S', '999999003', '', '1', '20200401', '1'],
  ['c3', 'Xa5dq', 'Y2223', 'P', '293586001', '', '1', '20100401', '1'],
  ['c4', 'XaZ0d', 'Y3333', 'P', '822851000000102', '', '0', '20140401', '1'],
]);

describe('national map release loader', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lloyd-trud-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function release(readv2: string[] | undefined, ctv3: string[] | undefined, eol = '\r\n') {
    const assured = join(dir, 'Mapping Tables', 'Updated', 'Clinically Assured');
    await mkdir(assured, { recursive: true });
    if (readv2) await writeFile(join(assured, 'rcsctmap2_uk_20200401000001.txt'), readv2.join(eol) + eol);
    if (ctv3) await writeFile(join(assured, 'ctv3sctmap2_uk_20200401000001.txt'), ctv3.join(eol) + eol);
    return assured;
  }

  it('keeps active, assured, preferred, latest maps of the Read v2 file', async () => {
    const folder = await release([READV2_HEADER, ...READV2_ROWS], undefined);
    const map = await readMapFile(join(folder, 'rcsctmap2_uk_20200401000001.txt'), READV2_MAP_LAYOUT);
    expect(Object.fromEntries(map)).toEqual({
      'H33..': { conceptId: '195967001', descriptionId: '301485011' },
      '2469.': { conceptId: '163030003', descriptionId: '254063019' },
      '14LK.': { conceptId: '395102008' },
      'E200.': { conceptId: '198288003' },
    });
  });

  it('reads the CTV3 file by its own column names, preferring the preferred term type', async () => {
    const folder = await release(undefined, [CTV3_HEADER, ...CTV3_ROWS], '\n');
    const map = await readMapFile(join(folder, 'ctv3sctmap2_uk_20200401000001.txt'), CTV3_MAP_LAYOUT);
    expect(Object.fromEntries(map)).toEqual({
      XE2m6: { conceptId: '1022431000000105' },
      Xa5dq: { conceptId: '293586001' },
    });
  });

  it('finds both files anywhere under the release folder and layers the sample beneath', async () => {
    await release([READV2_HEADER, ...READV2_ROWS], [CTV3_HEADER, ...CTV3_ROWS]);
    const maps = await loadNationalMaps(dir);
    expect(maps.files.readv2).toMatch(/Clinically Assured\/rcsctmap2_uk_20200401000001\.txt$/);
    expect(maps.files.ctv3).toMatch(/ctv3sctmap2_uk_20200401000001\.txt$/);
    expect(maps.readv2.size).toBe(4);

    const terminology = await loadTerminology({ releaseDir: dir });
    // The national map wins where it has the code …
    expect(terminology.lookup({ system: CODE_SYSTEMS.readv2, code: '2469.' })?.conceptId).toBe('163030003');
    // … the sample fills its gaps (the fixture release retired G30..).
    expect(terminology.lookup({ system: CODE_SYSTEMS.readv2, code: 'G30..' })?.conceptId).toBe('22298006');
    const nationalOnly = await loadTerminology({ releaseDir: dir, includeSample: false });
    expect(nationalOnly.lookup({ system: CODE_SYSTEMS.readv2, code: 'G30..' })).toBeUndefined();
    // Without a display in the file, the SNOMED coding shows the source term the map matched.
    expect(nationalOnly.snomedCoding({ system: CODE_SYSTEMS.readv2, code: 'H33..00', display: 'Asthma' })).toEqual({
      system: CODE_SYSTEMS.snomed,
      code: '195967001',
      display: 'Asthma',
    });
  });

  it('picks the newest release when several are unzipped side by side', async () => {
    await release([READV2_HEADER, ...READV2_ROWS], undefined);
    const newer = join(dir, 'nhs_datamigration_30', 'Mapping Tables');
    await mkdir(newer, { recursive: true });
    await writeFile(
      join(newer, 'rcsctmap2_uk_20210401000001.txt'),
      `${READV2_HEADER}\nm1\tH33..\t00\t195967001\t\t1\t20210401\t1\n`,
    );
    const maps = await loadNationalMaps(dir);
    expect(maps.files.readv2).toContain('rcsctmap2_uk_20210401000001.txt');
    expect(maps.readv2.size).toBe(1);
  });

  it('names the missing columns of a file with another layout', async () => {
    const folder = await release(['MapId\tCode\tTarget', 'm1\tH33..\t195967001'], undefined);
    await expect(loadNationalMaps(folder)).rejects.toThrow(
      /lacks the column\(s\) ReadCode, ConceptId, MapStatus, EffectiveDate.*README/,
    );
  });

  it('says what to do when the folder holds no map files or does not exist', async () => {
    await expect(loadNationalMaps(dir)).rejects.toThrow(/No national map files .* under .*terminology\.releaseDir/);
    await expect(loadNationalMaps(join(dir, 'missing'))).rejects.toThrow(/Cannot read the terminology release folder/);
  });
});
