// Runs one of Lloyd's command-line tools (apps/cli/src/<name>.ts) from dist/, building first if needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-built.mjs';

const [name, ...args] = process.argv.slice(2);
ensureBuilt();
const entry = join(root, 'dist', 'apps', 'cli', 'src', `${name}.js`);
if (!name || !existsSync(entry)) {
  process.stderr.write(`Unknown Lloyd command "${name ?? ''}".\n`);
  process.exit(2);
}
const child = spawn(process.execPath, [entry, ...args], { cwd: process.cwd(), stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
