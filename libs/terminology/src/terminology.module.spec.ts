import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { ConfigModule, loadConfig, projectRoot, type LloydConfig } from '@lloyd/config';
import { Terminology } from './terminology.js';
import { terminologyReleaseDir, TerminologyModule } from './terminology.module.js';

async function terminologyFor(config: LloydConfig): Promise<Terminology> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TerminologyModule],
  }).compile();
  return moduleRef.get(Terminology);
}

describe('TerminologyModule', () => {
  const base = loadConfig({ env: {} });

  it('provides the sample maps when no release folder is configured', async () => {
    const terminology = await terminologyFor(base);
    expect(terminology.lookup({ system: CODE_SYSTEMS.readv2, code: 'H33..' })?.conceptId).toBe('195967001');
  });

  it('loads the national release from terminology.releaseDir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lloyd-trud-module-'));
    try {
      await writeFile(
        join(dir, 'rcsctmap2_uk_20200401000001.txt'),
        'MapId\tReadCode\tTermCode\tConceptId\tDescriptionId\tIS_ASSURED\tEffectiveDate\tMapStatus\n' +
          'm1\tZZZZ1\t00\t123456789\t\t1\t20200401\t1\n',
      );
      const terminology = await terminologyFor({ ...base, terminology: { releaseDir: dir } });
      expect(terminology.lookup({ system: CODE_SYSTEMS.readv2, code: 'ZZZZ1' })?.conceptId).toBe('123456789');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes a relative release folder from the project root and ignores an empty one', () => {
    const withDir = (releaseDir: string) => ({ ...base, terminology: { releaseDir } }) as LloydConfig;
    expect(terminologyReleaseDir(withDir('data/trud'))).toBe(join(projectRoot(), 'data', 'trud'));
    expect(terminologyReleaseDir(withDir('/srv/trud'))).toBe('/srv/trud');
    expect(terminologyReleaseDir(withDir(' '))).toBeUndefined();
    expect(terminologyReleaseDir(base)).toBeUndefined();
  });
});
