// Builds dist/ with `nest build` when any source or build setting is newer than the last build. One build at a time:
// `npm start` and a CLI started beside it would otherwise both build, and nest deletes dist/ under the other.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['apps', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json'];
const lock = join(root, '.build.lock');

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function upToDate() {
  // `npm run build` (nest build) writes no stamp; its output is as new as the build itself.
  const output = join(root, 'dist', 'apps', 'gateway', 'src', 'main.js');
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : existsSync(output) ? statSync(output).mtimeMs : 0;
  return built >= Math.max(...inputs.map((p) => newest(join(root, p))));
}

function holderAlive() {
  let pid;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return true; // gone meanwhile, or being written: try again
  }
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Takes the build lock, waiting for a build in another process; a lock left by a process that died is taken over. */
function acquireLock() {
  for (let waited = false; ;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (!holderAlive()) {
      rmSync(lock, { force: true });
      continue;
    }
    if (!waited) process.stderr.write('Waiting for another build of Lloyd (another npm command) to finish…\n');
    waited = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
}

export function ensureBuilt() {
  if (upToDate()) return;
  acquireLock();
  try {
    if (!upToDate()) build();
  } finally {
    rmSync(lock, { force: true });
  }
}

function build() {
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
    rmSync(lock, { force: true });
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, new Date().toISOString());
}
