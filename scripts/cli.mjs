// Runs one of Lloyd's command-line tools from dist/, building first if needed:
//   node scripts/cli.mjs <name> [args]              → apps/cli/src/<name>.ts
//   node scripts/cli.mjs --app bench <name> [args]  → apps/bench/src/<name>.ts
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, root } from './ensure-built.mjs';

let args = process.argv.slice(2);
let app = 'cli';
if (args[0] === '--app') {
  app = args[1];
  args = args.slice(2);
}
const [name, ...rest] = args;
ensureBuilt();
const entry = join(root, 'dist', 'apps', app ?? '', 'src', `${name}.js`);
if (!name || !existsSync(entry)) {
  process.stderr.write(`Unknown Lloyd command "${[app, name].join(' ')}".\n`);
  process.exit(2);
}
const child = spawn(process.execPath, [entry, ...rest], { cwd: process.cwd(), stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
