// Builds dist/ with `nest build` when any source or build setting is newer than the last build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['apps', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json'];

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export function ensureBuilt() {
  // `npm run build` (nest build) writes no stamp; its output is as new as the build itself.
  const output = join(root, 'dist', 'apps', 'gateway', 'src', 'main.js');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : existsSync(output) ? statSync(output).mtimeMs : 0;
  const latest = Math.max(...inputs.map((p) => newest(join(root, p))));
  if (built >= latest) return;
  process.stderr.write('Building Lloyd (nest build)… this takes a few seconds the first time.\n');
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', process.stderr, process.stderr],
    },
  );
  if (result.status !== 0) {
    process.stderr.write(
      'Build failed: fix the errors above (npm run check shows them too), then run the command again.\n',
    );
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, new Date().toISOString());
}
