import { isAbsolute, resolve } from 'node:path';
import { Module } from '@nestjs/common';
import { LLOYD_CONFIG, projectRoot, type LloydConfig } from '@lloyd/config';
import { loadTerminology, Terminology } from './terminology.js';

/**
 * The national release folder from config key `terminology.releaseDir` (relative paths are taken from the project
 * root), or undefined for the sample maps.
 */
export function terminologyReleaseDir(config: LloydConfig): string | undefined {
  const dir = config.terminology.releaseDir;
  if (!dir?.trim()) return undefined;
  return isAbsolute(dir) ? dir : resolve(projectRoot(), dir);
}

/**
 * Provides {@link Terminology}, loaded once at start-up: the national maps when `terminology.releaseDir` names an
 * unzipped NHS Data Migration release, else the built-in sample maps. A bad release folder stops start-up with a
 * message saying what to fix. Needs the global `LLOYD_CONFIG` (ConfigModule).
 */
@Module({
  providers: [
    {
      provide: Terminology,
      inject: [LLOYD_CONFIG],
      useFactory: (config: LloydConfig) => loadTerminology({ releaseDir: terminologyReleaseDir(config) }),
    },
  ],
  exports: [Terminology],
})
export class TerminologyModule {}
